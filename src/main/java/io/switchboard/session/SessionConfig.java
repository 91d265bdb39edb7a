package io.switchboard.session;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code switchboard.whatsapp.*}: how organizations' WhatsApp sessions connect and how replicas share them. */
@ConfigMapping(prefix = "switchboard.whatsapp")
public interface SessionConfig {

    /** WhatsApp's WebSocket; dev and test point it at the built-in sandbox. */
    @WithDefault("wss://web.whatsapp.com/ws/chat")
    String url();

    /** Base64 root key the server certificate must chain to; "sandbox" trusts the built-in sandbox. */
    Optional<String> trustRoot();

    /** WhatsApp Web version announced in the ClientPayload: the floor, and the fallback when the published one cannot be read. */
    @WithDefault("2.3000.1029496320")
    String webVersion();

    /** Where WhatsApp publishes its current web version (Baileys reads the same script); "none" turns reading off. */
    @WithDefault("https://web.whatsapp.com/sw.js")
    String versionUrl();

    /** Bound on one read of {@link #versionUrl()}. */
    @WithDefault("10s")
    Duration versionFetchTimeout();

    /**
     * While linked organizations sit in CLIENT_OUTDATED, how often the published version is read
     * again; when it is newer than the one they were refused with, they log in again by themselves.
     */
    @WithDefault("5m")
    Duration versionRecheckInterval();

    /** How long init/reconnect wait for a QR code before answering 202. */
    @WithDefault("5s")
    Duration qrWait();

    @WithDefault("30s")
    Duration keepAliveInterval();

    /** Silence after which a connection counts as lost. */
    @WithDefault("65s")
    Duration deadConnectionTimeout();

    /** Deadline for the WebSocket and Noise handshake, and then for WhatsApp's success or pair-device. */
    @WithDefault("20s")
    Duration connectTimeout();

    @WithDefault("800ms")
    Duration reconnectBase();

    @WithDefault("60s")
    Duration reconnectCap();

    /** How long this replica's claim on a connection lasts without renewal. */
    @WithDefault("6s")
    Duration ownershipLease();

    /** How often a replica looks for connections no live replica holds (start-up, failover, handover). */
    @WithDefault("1s")
    Duration adoptionInterval();

    /**
     * The most logins from adoption (start-up included) in progress at once on one replica: a ceiling.
     * Below it the limit adapts (AIMD) to what the replica measures: it grows while logins settle
     * with the event loops on time and the claim renewals prompt, and shrinks when they do not.
     */
    @WithDefault("128")
    int adoptionConcurrency();

    /** The most logins from adoption started per second on one replica: a ceiling. */
    @WithDefault("1000")
    int adoptionRate();

    /** Event-loop delay past which a login that settles counts as overload (adoption's limit shrinks). */
    @WithDefault("250ms")
    Duration adoptionLoopDelay();

    /** A login from adoption slower than this counts as overload whatever else is measured. */
    @WithDefault("10s")
    Duration adoptionSlowLogin();

    /** How long a command sent to another replica (the connection's owner) may take before 503. */
    @WithDefault("15s")
    Duration commandTimeout();

    /** Bound on one task in a session's serial lane. */
    @WithDefault("30s")
    Duration laneTaskTimeout();
}
