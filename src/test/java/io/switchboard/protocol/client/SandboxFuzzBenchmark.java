package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.protocol.binary.FrameFuzzer;
import io.switchboard.protocol.binary.TokenDictionary;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The long live fuzz run: 1,000,000 frames through sandbox connections (set -Dfuzz.live to change). */
@Tag("benchmark")
class SandboxFuzzBenchmark {

    @Test
    void aMillionFramesThroughALiveSandbox() throws Exception {
        long frames = Long.getLong("fuzz.live", 1_000_000);
        try (SandboxHarness harness = new SandboxHarness(SandboxHarness.fastQr(6, Duration.ofSeconds(60), Duration.ofSeconds(20)))) {
            long start = System.nanoTime();
            SandboxFuzz.Counts counts = SandboxFuzz.run(harness,
                    new FrameFuzzer(TokenDictionary.forVersion(TokenDictionary.CURRENT_VERSION), 77, 5), frames);
            System.out.printf("fuzz: live sandbox, %d frames in %.1f s over %d connections: %d handled, %d refused"
                    + " (typed %d, unexpected %d), %d hangs%n", counts.frames(), (System.nanoTime() - start) / 1e9,
                    counts.connections(), counts.survived(), counts.closed(), harness.sandbox.observations().protocolRejections(),
                    harness.sandbox.observations().unexpectedFailures(), counts.hangs());
            assertEquals(0, counts.hangs());
            assertEquals(0, harness.sandbox.observations().unexpectedFailures());
        }
    }
}
