package io.switchboard.benchmark;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.binary.NodeDecoder;
import io.switchboard.protocol.binary.NodeEncoder;
import io.switchboard.protocol.binary.RandomNodes;
import io.switchboard.protocol.binary.TokenDictionary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints encode/decode throughput of the node codec. Not part of the test run (tag
 * "benchmark"); run it with {@code bin/bench}. It prints figures and asserts nothing about speed.
 */
@Tag("benchmark")
class NodeCodecBenchmark {

    @Test
    void codecThroughput() throws Exception {
        TokenDictionary dictionary = TokenDictionary.forVersion(3);
        NodeEncoder encoder = new NodeEncoder(dictionary);
        NodeDecoder decoder = new NodeDecoder(dictionary);
        RandomNodes generator = new RandomNodes(dictionary, 1, 0);
        List<Node> nodes = new ArrayList<>();
        List<byte[]> frames = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < 20_000; i++) {
            Node node = generator.node();
            byte[] frame = encoder.encodeFrame(node);
            nodes.add(node);
            frames.add(frame);
            bytes += frame.length;
        }
        for (int round = 0; round < 5; round++) {
            long start = System.nanoTime();
            for (Node node : nodes) {
                encoder.encodeFrame(node);
            }
            long encodeNanos = System.nanoTime() - start;
            start = System.nanoTime();
            for (byte[] frame : frames) {
                decoder.decodeFrame(frame);
            }
            long decodeNanos = System.nanoTime() - start;
            System.out.printf("round %d: %d nodes, %.1f MB | encode %.0f nodes/s %.1f MB/s | decode %.0f nodes/s %.1f MB/s%n",
                    round, nodes.size(), bytes / 1e6,
                    nodes.size() / (encodeNanos / 1e9), bytes / 1e6 / (encodeNanos / 1e9),
                    frames.size() / (decodeNanos / 1e9), bytes / 1e6 / (decodeNanos / 1e9));
        }
    }
}
