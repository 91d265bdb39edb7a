package io.switchboard.benchmark;

import io.switchboard.protocol.client.ClientEvent;
import io.switchboard.protocol.client.ClientOptions;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.client.SignalStore;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.sandbox.server.SandboxServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * End-to-end texts per second through the sandbox on loopback: client A sends to the account of
 * client B; each text is a device query, one Signal message per device (B's companion, B's phone,
 * A's own phone's copy), the relay, the server ack, B's decryption and its receipt. Sessions are
 * in memory (the service adds a PostgreSQL write per message). Run with {@code bin/bench}.
 */
@Tag("benchmark")
class MessagingBenchmark {

    static final int TEXTS = 2_000;
    static final int IN_FLIGHT = 32;

    @Test
    void textsPerSecondThroughTheSandbox() throws Exception {
        LoopbackSandbox loopback = new LoopbackSandbox();
        SandboxServer sandbox = loopback.sandbox;
        Vertx clientVertx = Vertx.vertx();
        ClientOptions options = loopback.clientOptions();
        String phoneA = "15551230001";
        String phoneB = "15551230002";
        AtomicInteger receivedByB = new AtomicInteger();
        CountDownLatch allReceived = new CountDownLatch(TEXTS + 1);
        WhatsAppClient a = connected(clientVertx, options, sandbox, phoneA, SignalStore.inMemory(message -> { }));
        WhatsAppClient b = connected(clientVertx, options, sandbox, phoneB, SignalStore.inMemory(message -> {
            receivedByB.incrementAndGet();
            allReceived.countDown();
        }));
        Thread.sleep(500);
        // The first text starts the sessions (bundles, pre-key messages); the measure starts after it.
        a.sendText(phoneB, "hello").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        Semaphore window = new Semaphore(IN_FLIGHT);
        CountDownLatch acked = new CountDownLatch(TEXTS);
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        for (int i = 0; i < TEXTS; i++) {
            window.acquire();
            a.sendText(phoneB, "text " + i).onComplete(done -> {
                if (done.failed()) {
                    failed.incrementAndGet();
                }
                window.release();
                acked.countDown();
            });
        }
        acked.await(300, TimeUnit.SECONDS);
        double ackSeconds = (System.nanoTime() - start) / 1e9;
        boolean all = allReceived.await(120, TimeUnit.SECONDS);
        double receiveSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("messaging: %d texts A→B through the sandbox, %d in flight: %.0f texts/s acked by the server "
                + "(%d failed), %.0f texts/s decrypted by B (all %d arrived: %s)%n", TEXTS, IN_FLIGHT, TEXTS / ackSeconds,
                failed.get(), receivedByB.get() / receiveSeconds, TEXTS, all);
        System.out.printf("messaging: per text 3 Signal encryptions (B's companion, B's phone, A's phone's copy) and 3 "
                + "decryptions, all on this machine's %d cores%n", Runtime.getRuntime().availableProcessors());
        a.close();
        b.close();
        clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        loopback.close();
    }

    private static WhatsAppClient connected(Vertx vertx, ClientOptions options, SandboxServer sandbox, String phone,
            SignalStore store) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        WhatsAppClient client = new WhatsAppClient(vertx, options, Credentials.fresh(), credentials -> Future.succeededFuture(),
                store, event -> {
                    if (event instanceof ClientEvent.QrCode) {
                        sandbox.scan(((ClientEvent.QrCode) event).text(), phone);
                    } else if (event instanceof ClientEvent.Connected) {
                        connected.countDown();
                    }
                });
        client.start();
        if (!connected.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError(phone + " never connected");
        }
        return client;
    }
}
