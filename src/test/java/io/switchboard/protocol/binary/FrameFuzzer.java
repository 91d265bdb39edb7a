package io.switchboard.protocol.binary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Frames for fuzzing: generated (valid random nodes), mutated (bytes flipped, truncated, lengths
 * inflated, compression claimed, noise appended, nested JID tags spliced in) and pure noise.
 * Deterministic for a seed.
 */
public final class FrameFuzzer {

    private final Random random;
    private final RandomNodes generator;
    private final NodeEncoder encoder;
    private final List<byte[]> seeds = new ArrayList<>();
    private final int mutatedPercent;

    /** {@code mutatedPercent}: how many frames in a hundred are mutated or noise; the rest are generated. */
    public FrameFuzzer(TokenDictionary dictionary, long seed, int mutatedPercent) {
        this.random = new Random(seed);
        this.generator = new RandomNodes(dictionary, seed, 0);
        this.encoder = new NodeEncoder(dictionary);
        this.mutatedPercent = mutatedPercent;
        for (int i = 0; i < 200; i++) {
            byte[] frame = encoder.encodeFrame(generator.node());
            if (frame.length < 4096) {
                seeds.add(frame);
            }
        }
    }

    /** The next frame, and whether it was generated valid ({@code true}) or mutated/noise. */
    public record Frame(byte[] bytes, boolean generated) {
    }

    public Frame next() {
        if (random.nextInt(100) >= mutatedPercent) {
            return new Frame(encoder.encodeFrame(generator.node()), true);
        }
        return new Frame(mutate(seeds.get(random.nextInt(seeds.size()))), false);
    }

    private byte[] mutate(byte[] seed) {
        byte[] frame = seed.clone();
        switch (random.nextInt(7)) {
            case 0: // flip bytes
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
                }
                return frame;
            case 1: // truncate
                return Arrays.copyOf(frame, random.nextInt(frame.length));
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
            case 4: // nested JID tags where a string starts
                int from = 1 + random.nextInt(Math.max(1, frame.length - 1));
                byte[] nested = Arrays.copyOf(frame, frame.length + 1 + random.nextInt(12_000));
                Arrays.fill(nested, from, nested.length, (byte) BinaryTags.JID_PAIR);
                return nested;
            case 5: // noise
                byte[] noise = new byte[1 + random.nextInt(300)];
                random.nextBytes(noise);
                noise[0] = (byte) random.nextInt(3);
                return noise;
            default: // extend with noise
                byte[] longer = Arrays.copyOf(frame, frame.length + 1 + random.nextInt(16));
                for (int i = frame.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                return longer;
        }
    }

    /** Counts of a fuzz run through the decoder. */
    public record Counts(long frames, long decoded, long rejected, long crashed, long slowestMicros, String firstCrash) {
    }

    /** Runs {@code frames} frames through {@code decoder}: each decodes, or is rejected typed; anything else is a crash. */
    public Counts throughDecoder(NodeDecoder decoder, long frames) {
        long decoded = 0;
        long rejected = 0;
        long crashed = 0;
        long slowest = 0;
        String firstCrash = null;
        for (long i = 0; i < frames; i++) {
            byte[] frame = next().bytes();
            long start = System.nanoTime();
            try {
                decoder.decodeFrame(frame);
                decoded++;
            } catch (NodeDecodeException e) {
                rejected++;
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                crashed++;
                if (firstCrash == null) {
                    firstCrash = e.toString();
                }
            }
            slowest = Math.max(slowest, (System.nanoTime() - start) / 1000);
        }
        return new Counts(frames, decoded, rejected, crashed, slowest, firstCrash);
    }
}
