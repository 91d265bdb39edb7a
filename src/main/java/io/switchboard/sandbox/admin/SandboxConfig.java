package io.switchboard.sandbox.admin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code switchboard.sandbox.*}: the built-in local WhatsApp. */
@ConfigMapping(prefix = "switchboard.sandbox")
public interface SandboxConfig {

    /** Serve the sandbox at /sandbox/ws/chat and its admin API at /sandbox/v1. */
    @WithDefault("false")
    boolean enabled();

    /**
     * The sandbox is an unauthenticated WebSocket speaking WhatsApp's server side: a production
     * build refuses to serve it unless this is set (test deployments only).
     */
    @WithDefault("false")
    boolean allowInProduction();

    /** Oldest WhatsApp Web version accepted; older clients get failure 405. */
    @WithDefault("2.3000.0")
    String minClientVersion();

    /** QR refs per pairing. */
    @WithDefault("6")
    int qrRefs();

    @WithDefault("60s")
    Duration firstRefLifetime();

    @WithDefault("20s")
    Duration laterRefLifetime();

    /** Port of the media host (HTTPS on 127.0.0.1; 0: any free port, which media_conn names). */
    @WithDefault("0")
    int mediaPort();

    /** Pause before the first encrypted frame after a handshake. */
    @WithDefault("100ms")
    Duration firstFrameDelay();

    /**
     * Send {@code <notification type="companion_reg_refresh">} to an unpaired device this long after
     * its pair-device (0: never), as WhatsApp does since 2026: the device must redraw its QR.
     */
    @WithDefault("0s")
    Duration companionRefreshAfter();
}
