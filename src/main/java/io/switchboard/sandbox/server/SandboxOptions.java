package io.switchboard.sandbox.server;

import java.time.Duration;

/**
 * How the sandbox behaves.
 *
 * @param minimumClientVersion oldest WhatsApp Web version accepted, as {primary, secondary, tertiary}
 * @param qrRefs               refs sent in {@code pair-device}
 * @param firstRefLifetime     how long the first ref may be scanned (WhatsApp: about 60 s)
 * @param laterRefLifetime     how long each later ref may be scanned (about 20 s)
 * @param companionRefreshAfter when to send an unpaired device {@code companion_reg_refresh} after pair-device (0: never)
 * @param firstFrameDelay      pause after the handshake before the first encrypted frame (Baileys 6
 *                             derives its keys asynchronously and loses frames sent sooner)
 */
public record SandboxOptions(long[] minimumClientVersion, int qrRefs, Duration firstRefLifetime,
        Duration laterRefLifetime, Duration companionRefreshAfter, Duration firstFrameDelay) {

    public static final SandboxOptions DEFAULTS = new SandboxOptions(new long[] {2, 3000, 0}, 6,
            Duration.ofSeconds(60), Duration.ofSeconds(20), Duration.ZERO, Duration.ofMillis(100));

    public SandboxOptions {
        if (minimumClientVersion.length != 3) {
            throw new IllegalArgumentException("minimum version is primary.secondary.tertiary");
        }
        minimumClientVersion = minimumClientVersion.clone();
        if (qrRefs < 1) {
            throw new IllegalArgumentException("at least one QR ref");
        }
    }

    @Override
    public long[] minimumClientVersion() {
        return minimumClientVersion.clone();
    }

    /** When all refs of a pairing started at 0 have expired. */
    public Duration pairingWindow() {
        return firstRefLifetime.plus(laterRefLifetime.multipliedBy(qrRefs - 1L));
    }
}
