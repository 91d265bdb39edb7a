package io.switchboard.messaging;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code switchboard.media.*}: what media may be sent, and how media hosts are reached. */
@ConfigMapping(prefix = "switchboard.media")
public interface MediaConfig {

    /** Images (JPEG, PNG, WebP) at most this large (WhatsApp: 16 MB). */
    @WithDefault("16M")
    MemorySize maxImage();

    @WithDefault("16M")
    MemorySize maxVideo();

    @WithDefault("16M")
    MemorySize maxAudio();

    /** Voice notes (Ogg/Opus). */
    @WithDefault("16M")
    MemorySize maxVoice();

    /** Documents of any kind (WhatsApp: 100 MB). */
    @WithDefault("100M")
    MemorySize maxDocument();

    /** Stickers (WebP; WhatsApp: 500 KB). */
    @WithDefault("500K")
    MemorySize maxSticker();

    /**
     * The media hosts' certificate to trust instead of the system's: {@code sandbox} (the sandbox of
     * this process), a PEM certificate, or a path to one. Unset: the system's trust (WhatsApp's hosts).
     */
    Optional<String> trustCertificate();

    /** A download of a received file with no progress for this long fails. */
    @WithDefault("60s")
    Duration downloadTimeout();

    /** Files named by {@code media.url} may be on loopback or private addresses (tests and closed networks only). */
    @WithDefault("false")
    boolean allowPrivateUrls();

    /** A file named by {@code media.url} must be fetched within this. */
    @WithDefault("30s")
    Duration urlTimeout();

    /**
     * How long a download waits for the phone to upload a file again after the media host answered
     * 403, 404 or 410 (the media retry); then 504 {@code media-unavailable}.
     */
    @WithDefault("30s")
    Duration retryTimeout();

    /**
     * Keep a copy of every received file (encrypted as its media host served it, its key sealed with
     * the message) so it can be downloaded after WhatsApp forgot it and the phone no longer has it;
     * deleted with its message (switchboard.messages.retention). Costs the files' size in PostgreSQL.
     */
    @WithDefault("false")
    boolean keepReceived();

    /** An upload with no progress for this long fails that host. */
    @WithDefault("60s")
    Duration uploadTimeout();
}
