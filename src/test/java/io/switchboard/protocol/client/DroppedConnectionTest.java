package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.sandbox.server.SandboxOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A proxy between client and sandbox cuts the TCP connection after the server has sent a given
 * number of bytes: during the upgrade, the handshake, and pairing. Every cut must end in one
 * typed Disconnected, never a hang or a second event.
 */
class DroppedConnectionTest {

    private static final Set<DisconnectReason> DROP_REASONS = EnumSet.of(DisconnectReason.CONNECTION_LOST,
            DisconnectReason.PROTOCOL_ERROR, DisconnectReason.HANDSHAKE_FAILED, DisconnectReason.TIMED_OUT);

    /** Bytes from the server before the cut: upgrade response, ServerHello, the pair-device iq. */
    private static final long[] CUTS = {0, 50, 150, 200, 260, 320, 400, 500, 600};

    @Test
    void everyCutEndsInOneTypedDisconnect() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            for (long cutAfter : CUTS) {
                NetServer proxy = proxy(harness, cutAfter);
                EventRecorder recorder = new EventRecorder();
                ClientOptions viaProxy = harness.clientOptions()
                        .withEndpoint(URI.create("ws://127.0.0.1:" + proxy.actualPort() + "/ws/chat"),
                                harness.sandbox.trustRoot());
                WhatsAppClient client = new WhatsAppClient(harness.vertx, viaProxy, Credentials.fresh(), recorder,
                        recorder::accept);
                client.start();
                ClientEvent.Disconnected end = recorder.next(ClientEvent.Disconnected.class, 25);
                assertTrue(DROP_REASONS.contains(end.reason()), "cut after " + cutAfter + ": " + end);
                System.out.printf("cut after %d bytes: %s (%s), QR shown: %s%n", cutAfter, end.reason(), end.detail(),
                        recorder.sawQr);
                assertFalse(client.isConnected());
                Thread.sleep(200);
                assertNull(recorder.events.poll(), "only one terminal event");
                proxy.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void cutWhileTheQrIsShownIsAConnectionLoss() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            java.util.List<NetSocket> fronts = new java.util.concurrent.CopyOnWriteArrayList<>();
            NetServer proxy = proxy(harness, Long.MAX_VALUE, fronts);
            EventRecorder recorder = new EventRecorder();
            ClientOptions viaProxy = harness.clientOptions()
                    .withEndpoint(URI.create("ws://127.0.0.1:" + proxy.actualPort() + "/ws/chat"), harness.sandbox.trustRoot());
            new WhatsAppClient(harness.vertx, viaProxy, Credentials.fresh(), recorder, recorder::accept).start();
            recorder.next(ClientEvent.QrCode.class, 10);
            fronts.forEach(NetSocket::close);
            ClientEvent.Disconnected end = recorder.next(ClientEvent.Disconnected.class, 10);
            assertTrue(end.reason() == DisconnectReason.CONNECTION_LOST, end.toString());
            Thread.sleep(200);
            assertNull(recorder.events.poll(), "no QR after the connection is gone");
        }
    }

    private static NetServer proxy(SandboxHarness harness, long cutAfter) throws Exception {
        return proxy(harness, cutAfter, new java.util.ArrayList<>());
    }

    private static NetServer proxy(SandboxHarness harness, long cutAfter, java.util.List<NetSocket> fronts) throws Exception {
        URI target = harness.url();
        return harness.vertx.createNetServer().connectHandler(front -> {
            front.pause();
            fronts.add(front);
            harness.vertx.createNetClient().connect(target.getPort(), "127.0.0.1").onSuccess(back -> {
                AtomicLong sent = new AtomicLong();
                front.handler(back::write);
                back.handler(data -> {
                    long before = sent.getAndAdd(data.length());
                    if (before + data.length() <= cutAfter) {
                        front.write(data);
                    } else {
                        int keep = (int) Math.max(0, cutAfter - before);
                        if (keep > 0) {
                            front.write(data.getBuffer(0, keep));
                        }
                        cut(front, back);
                    }
                });
                front.closeHandler(v -> back.close());
                back.closeHandler(v -> front.close());
                front.resume();
            }).onFailure(error -> front.close());
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static void cut(NetSocket front, NetSocket back) {
        front.close();
        back.close();
    }
}
