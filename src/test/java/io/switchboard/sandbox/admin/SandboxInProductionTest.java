package io.switchboard.sandbox.admin;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.LaunchMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A production build serves no sandbox unless the loudly named override is set. */
class SandboxInProductionTest {

    private static SandboxConfig config(boolean allowInProduction) {
        return new SandboxConfig() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public boolean allowInProduction() {
                return allowInProduction;
            }

            @Override
            public String minClientVersion() {
                return "2.3000.0";
            }

            @Override
            public int qrRefs() {
                return 6;
            }

            @Override
            public Duration firstRefLifetime() {
                return Duration.ofSeconds(60);
            }

            @Override
            public Duration laterRefLifetime() {
                return Duration.ofSeconds(20);
            }

            @Override
            public int mediaPort() {
                return 0;
            }

            @Override
            public Duration firstFrameDelay() {
                return Duration.ofMillis(100);
            }

            @Override
            public Duration companionRefreshAfter() {
                return Duration.ZERO;
            }
        };
    }

    @Test
    void productionRefusesTheSandboxWithoutTheOverride() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> SandboxMount.refuseInProduction(config(false), LaunchMode.NORMAL));
        assertTrue(refused.getMessage().contains("switchboard.sandbox.allow-in-production"), refused.getMessage());
        assertDoesNotThrow(() -> SandboxMount.refuseInProduction(config(true), LaunchMode.NORMAL));
        assertDoesNotThrow(() -> SandboxMount.refuseInProduction(config(false), LaunchMode.TEST));
    }
}
