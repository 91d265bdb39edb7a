package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.FrameFuzzer;
import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.binary.NodeDecoder;
import io.switchboard.protocol.binary.NodeEncoder;
import io.switchboard.protocol.binary.TokenDictionary;
import io.switchboard.protocol.noise.CertificateVerifier;
import io.switchboard.protocol.noise.ClientHandshake;
import io.switchboard.protocol.noise.FrameDecoder;
import io.switchboard.protocol.noise.FrameEncoder;
import io.switchboard.protocol.noise.IntroHeader;
import io.switchboard.protocol.noise.TransportCipher;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Fuzzes a live sandbox: a peer completes the Noise handshake as a registering device, then sends
 * fuzzed frames through the encrypted transport, each followed by a ping. The ping answered: the
 * sandbox handled the frame and the connection lives. The socket closed: the sandbox refused the
 * frame (its counters tell whether with a typed error). No answer in time: a hang.
 */
final class SandboxFuzz {

    record Counts(long frames, long survived, long closed, long hangs, long connections) {
    }

    private static final byte[] POISON = new byte[0];
    private static final long ANSWER_SECONDS = 5;

    private SandboxFuzz() {
    }

    static Counts run(SandboxHarness harness, FrameFuzzer fuzzer, long frames) throws Exception {
        long survived = 0;
        long closed = 0;
        long hangs = 0;
        long connections = 0;
        Peer peer = null;
        for (long i = 0; i < frames; i++) {
            if (peer == null || peer.closed) {
                if (peer != null) {
                    peer.socket.close();
                }
                peer = Peer.open(harness);
                connections++;
            }
            Boolean alive = peer.sendThenPing(fuzzer.next().bytes(), "fuzz-" + i);
            if (alive == null) {
                hangs++;
                peer.closed = true;
            } else if (alive) {
                survived++;
            } else {
                closed++;
            }
        }
        if (peer != null) {
            peer.socket.close();
        }
        return new Counts(frames, survived, closed, hangs, connections);
    }

    /** One connection to the sandbox, past the handshake, showing its QR. */
    private static final class Peer {
        final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
        final WebSocket socket;
        final FrameEncoder frameEncoder;
        final NodeEncoder encoder = new NodeEncoder(TokenDictionary.forVersion(TokenDictionary.CURRENT_VERSION));
        final NodeDecoder decoder = new NodeDecoder(TokenDictionary.forVersion(TokenDictionary.CURRENT_VERSION));
        TransportCipher transport;
        volatile boolean closed;

        private Peer(WebSocket socket, FrameEncoder frameEncoder) {
            this.socket = socket;
            this.frameEncoder = frameEncoder;
        }

        static Peer open(SandboxHarness harness) throws Exception {
            ClientOptions options = harness.clientOptions();
            Credentials credentials = Credentials.fresh();
            IntroHeader header = new IntroHeader(options.dictionaryVersion());
            FrameDecoder frameDecoder = FrameDecoder.client(options.maxFrameSize());
            WebSocket socket = harness.vertx.createWebSocketClient()
                    .connect(new WebSocketConnectOptions().setAbsoluteURI(harness.url().toString()))
                    .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            Peer peer = new Peer(socket, FrameEncoder.client(header));
            socket.binaryMessageHandler(data -> {
                try {
                    frameDecoder.feed(data.getBytes()).forEach(peer.frames::add);
                } catch (Exception e) {
                    peer.frames.add(POISON);
                }
            });
            socket.closeHandler(v -> {
                peer.closed = true;
                peer.frames.add(POISON);
            });
            ClientHandshake handshake = ClientHandshake.start(header, credentials.noiseKey(),
                    new CertificateVerifier(options.trustRoot(), Clock.systemUTC()));
            peer.write(handshake.clientHello());
            byte[] serverHello = peer.frames.poll(ANSWER_SECONDS, TimeUnit.SECONDS);
            ClientHandshake.Finished finished = handshake.finish(serverHello,
                    ClientPayloads.forCredentials(credentials, options));
            peer.write(finished.clientFinish());
            peer.transport = finished.transport();
            while (true) {
                Node node = peer.nextNode();
                if (node == null) {
                    throw new IllegalStateException("the sandbox never showed pair-device");
                }
                if (node.child("pair-device").isPresent()) {
                    return peer;
                }
            }
        }

        /** True: the ping was answered; false: the sandbox closed the connection; null: no answer in time. */
        Boolean sendThenPing(byte[] fuzzed, String id) throws Exception {
            write(transport.encrypt(fuzzed));
            write(transport.encrypt(encoder.encodeFrame(Node.withChildren("iq",
                    Map.of("id", id, "type", "get", "xmlns", "w:p", "to", "s.whatsapp.net"),
                    java.util.List.of(Node.of("ping"))))));
            while (true) {
                byte[] frame = frames.poll(ANSWER_SECONDS, TimeUnit.SECONDS);
                if (frame == null) {
                    return null;
                }
                if (frame == POISON) {
                    return false;
                }
                Node node = decoder.decodeFrame(transport.decrypt(frame));
                if (id.equals(node.attribute("id").orElse(null))) {
                    return true;
                }
            }
        }

        private Node nextNode() throws Exception {
            byte[] frame = frames.poll(ANSWER_SECONDS, TimeUnit.SECONDS);
            if (frame == null || frame == POISON) {
                return null;
            }
            return decoder.decodeFrame(transport.decrypt(frame));
        }

        private void write(byte[] payload) {
            socket.writeBinaryMessage(Buffer.buffer(frameEncoder.encode(payload)));
        }
    }
}
