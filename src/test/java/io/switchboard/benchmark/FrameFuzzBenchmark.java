package io.switchboard.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.protocol.binary.FrameFuzzer;
import io.switchboard.protocol.binary.NodeDecoder;
import io.switchboard.protocol.binary.TokenDictionary;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The long decoder fuzz run: 1,000,000 generated and mutated frames (set -Dfuzz.frames to change). */
@Tag("benchmark")
class FrameFuzzBenchmark {

    @Test
    void aMillionFramesThroughTheDecoder() {
        long frames = Long.getLong("fuzz.frames", 1_000_000);
        TokenDictionary dictionary = TokenDictionary.forVersion(TokenDictionary.CURRENT_VERSION);
        long start = System.nanoTime();
        FrameFuzzer.Counts counts = new FrameFuzzer(dictionary, 99, 60).throughDecoder(new NodeDecoder(dictionary), frames);
        System.out.printf("fuzz: decoder, %d frames in %.1f s: %d decoded, %d rejected typed, %d crashed, slowest %d µs%n",
                counts.frames(), (System.nanoTime() - start) / 1e9, counts.decoded(), counts.rejected(), counts.crashed(),
                counts.slowestMicros());
        assertEquals(0, counts.crashed(), counts.firstCrash());
    }
}
