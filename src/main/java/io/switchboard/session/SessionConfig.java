package io.switchboard.session;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code switchboard.whatsapp.*}: how organizations' WhatsApp sessions connect. */
@ConfigMapping(prefix = "switchboard.whatsapp")
public interface SessionConfig {

    /** WhatsApp's WebSocket; dev and test point it at the built-in sandbox. */
    @WithDefault("wss://web.whatsapp.com/ws/chat")
    String url();

    /** Base64 root key the server certificate must chain to; "sandbox" trusts the built-in sandbox. */
    Optional<String> trustRoot();

    /** WhatsApp Web version announced in the ClientPayload. */
    @WithDefault("2.3000.1029496320")
    String webVersion();

    /** How long init/reconnect wait for a QR code before answering 202. */
    @WithDefault("5s")
    Duration qrWait();

    @WithDefault("30s")
    Duration keepAliveInterval();

    /** Silence after which a connection counts as lost. */
    @WithDefault("65s")
    Duration deadConnectionTimeout();

    @WithDefault("800ms")
    Duration reconnectBase();

    @WithDefault("60s")
    Duration reconnectCap();

    /** Sessions resumed at once at start-up. */
    @WithDefault("4")
    int resumeConcurrency();

    /** Pause between resumed sessions. */
    @WithDefault("250ms")
    Duration resumeStagger();

    /** How long this replica's ownership of a connection lasts without renewal. */
    @WithDefault("30s")
    Duration ownershipLease();
}
