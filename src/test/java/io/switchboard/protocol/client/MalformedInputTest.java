package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.sandbox.server.SandboxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.EnumSet;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Garbage from the network closes that one connection, on either side, and nothing else. */
class MalformedInputTest {

    @Test
    void sandboxClosesOnlyTheMisbehavingConnection() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            EventRecorder recorder = new EventRecorder();
            WhatsAppClient good = new WhatsAppClient(harness.vertx, harness.clientOptions(), Credentials.fresh(), recorder,
                    recorder::accept);
            good.start();
            ClientEvent.QrCode qr = recorder.next(ClientEvent.QrCode.class, 10);
            harness.sandbox.scan(qr.text(), "15550001111").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            recorder.next(ClientEvent.Connected.class, 10);

            Random random = new Random(3);
            byte[][] garbage = {
                "GET / HTTP/1.1\r\n\r\n".getBytes(),                       // not an intro header
                {'W', 'A', 6, 9, 0, 0, 1, 0},                              // unknown dictionary version
                {'W', 'A', 6, 3, (byte) 0xff, (byte) 0xff, (byte) 0xff},   // frame larger than allowed
                {'W', 'A', 6, 3, 0, 0, 4, 1, 2, 3, 4},                     // not a HandshakeMessage
                randomBytes(random, 300),
            };
            for (byte[] bytes : garbage) {
                WebSocket socket = harness.vertx.createWebSocketClient()
                        .connect(new WebSocketConnectOptions().setAbsoluteURI(harness.url().toString()))
                        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                CompletableFuture<Void> closed = new CompletableFuture<>();
                socket.closeHandler(v -> closed.complete(null));
                socket.writeBinaryMessage(Buffer.buffer(bytes));
                closed.get(5, TimeUnit.SECONDS);
            }
            Thread.sleep(1500);
            assertTrue(good.isConnected(), "the well-behaved client is untouched");
            assertEquals(1, harness.sandbox.openConnections());
        }
    }

    @Test
    void clientEndsWithATypedErrorOnGarbage() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            Random random = new Random(5);
            for (int round = 0; round < 5; round++) {
                byte[] reply = round == 0 ? new byte[] {0, 0, 5, 1, 2, 3, 4, 5} : randomBytes(random, 50 + random.nextInt(400));
                HttpServer liar = harness.vertx.createHttpServer()
                        .webSocketHandler(ws -> ws.binaryMessageHandler(ignored -> ws.writeBinaryMessage(Buffer.buffer(reply))))
                        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                EventRecorder recorder = new EventRecorder();
                ClientOptions options = harness.clientOptions().withEndpoint(
                        URI.create("ws://127.0.0.1:" + liar.actualPort() + "/ws/chat"), harness.sandbox.trustRoot())
                        .withConnectTimeout(java.time.Duration.ofSeconds(2));
                new WhatsAppClient(harness.vertx, options, Credentials.fresh(), recorder, recorder::accept).start();
                ClientEvent.Disconnected end = recorder.next(ClientEvent.Disconnected.class, 10);
                assertTrue(EnumSet.of(DisconnectReason.PROTOCOL_ERROR, DisconnectReason.HANDSHAKE_FAILED,
                        DisconnectReason.TIMED_OUT).contains(end.reason()), end.toString());
                liar.close();
            }
        }
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
