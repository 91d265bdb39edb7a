package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.protocol.binary.FrameFuzzer;
import io.switchboard.protocol.binary.TokenDictionary;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Fuzzed frames through a live sandbox connection: every frame is handled or ends that one
 * connection with a typed rejection; no hang, no unexpected failure, and the sandbox keeps
 * serving. The long run (1,000,000 frames) is {@code FrameFuzzBenchmark}.
 */
class SandboxFuzzTest {

    static final long FRAMES = 2_000;

    @Test
    void fuzzedFramesNeverBreakTheSandbox() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxHarness.fastQr(6, Duration.ofSeconds(60), Duration.ofSeconds(20)))) {
            FrameFuzzer fuzzer = new FrameFuzzer(TokenDictionary.forVersion(TokenDictionary.CURRENT_VERSION), 21, 10);
            SandboxFuzz.Counts counts = SandboxFuzz.run(harness, fuzzer, FRAMES);
            System.out.printf("sandbox fuzz: %d frames over %d connections, %d handled, %d refused (typed %d, unexpected %d),"
                    + " %d hangs%n", counts.frames(), counts.connections(), counts.survived(), counts.closed(),
                    harness.sandbox.observations().protocolRejections(), harness.sandbox.observations().unexpectedFailures(), counts.hangs());
            assertEquals(0, counts.hangs(), "a frame left the sandbox silent");
            assertEquals(0, harness.sandbox.observations().unexpectedFailures(), "a frame provoked an untyped failure");
            assertEquals(counts.closed(), harness.sandbox.observations().protocolRejections(), "every refusal is a typed rejection");
            assertTrue(counts.survived() > 0 && counts.closed() > 0);
        }
    }
}
