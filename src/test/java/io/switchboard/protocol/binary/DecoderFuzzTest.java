package io.switchboard.protocol.binary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Generated and mutated frames through the decoder with the limits a connection uses: every frame
 * decodes or is rejected with a {@link NodeDecodeException}; nothing crashes, nothing hangs. The
 * long run (1,000,000 frames) is {@code FrameFuzzBenchmark} in {@code bin/bench}.
 */
class DecoderFuzzTest {

    static final long FRAMES = 100_000;

    @Test
    void nothingCrashesTheDecoder() {
        for (int version : new int[] {2, 3}) {
            TokenDictionary dictionary = TokenDictionary.forVersion(version);
            FrameFuzzer.Counts counts = new FrameFuzzer(dictionary, 11 + version, 60)
                    .throughDecoder(new NodeDecoder(dictionary), FRAMES);
            System.out.printf("decoder fuzz (dictionary %d): %d frames, %d decoded, %d rejected typed, %d crashed,"
                    + " slowest %d µs%n", version, counts.frames(), counts.decoded(), counts.rejected(), counts.crashed(),
                    counts.slowestMicros());
            assertEquals(0, counts.crashed(), counts.firstCrash());
            assertEquals(FRAMES, counts.decoded() + counts.rejected());
            assertTrue(counts.slowestMicros() < 1_000_000, "a frame took " + counts.slowestMicros() + " µs");
        }
    }
}
