package io.switchboard.protocol.binary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Feeds corrupted frames to the decoder: every one must either decode or raise
 * {@link NodeDecodeException}; nothing else (no unchecked exception, no out-of-memory, no hang).
 */
class NodeDecoderMutationTest {

    static final int FRAMES = 120_000;

    @Test
    void corruptedFramesNeverCrashTheDecoder() {
        TokenDictionary dictionary = TokenDictionary.forVersion(3);
        NodeEncoder encoder = new NodeEncoder(dictionary);
        NodeDecoder decoder = new NodeDecoder(dictionary, new DecodeLimits(32, 1 << 20, 10_000));
        RandomNodes generator = new RandomNodes(dictionary, 42, 0);
        List<byte[]> seeds = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] frame = encoder.encodeFrame(generator.node());
            if (frame.length < 4096) {
                seeds.add(frame);
            }
        }
        Random random = new Random(7);
        int decoded = 0;
        int rejected = 0;
        for (int i = 0; i < FRAMES; i++) {
            byte[] frame = mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                decoder.decodeFrame(frame);
                decoded++;
            } catch (NodeDecodeException e) {
                rejected++;
            }
        }
        System.out.printf("mutation test: %d corrupted frames, %d still decoded, %d rejected with a typed error%n",
                FRAMES, decoded, rejected);
        assertEquals(FRAMES, decoded + rejected);
        assertTrue(rejected > FRAMES / 4, "most corruptions should be caught");
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] frame = seed.clone();
        switch (random.nextInt(5)) {
            case 0: // flip bytes
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
                }
                return frame;
            case 1: // truncate
                return java.util.Arrays.copyOf(frame, random.nextInt(frame.length));
            case 2: // inflate a length field to the maximum
                int at = random.nextInt(frame.length);
                frame[at] = (byte) 0xff;
                if (at + 1 < frame.length) {
                    frame[at + 1] = (byte) 0xff;
                }
                return frame;
            case 3: // claim compression
                frame[0] = 2;
                return frame;
            default: // extend with noise
                byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 1 + random.nextInt(16));
                for (int i = frame.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                return longer;
        }
    }
}
