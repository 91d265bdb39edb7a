package io.switchboard.benchmark;

import io.switchboard.protocol.client.ClientEvent;
import io.switchboard.protocol.client.ClientOptions;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.sandbox.server.SandboxServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints what a fleet of connected clients costs: time to pair and log in N clients against a
 * sandbox on loopback, and heap per connected client. Run with {@code bin/bench}.
 */
@Tag("benchmark")
class ClientFleetBenchmark {

    static final int CLIENTS = 1000;

    @Test
    void heapAndTimePerConnectedClient() throws Exception {
        LoopbackSandbox loopback = new LoopbackSandbox();
        SandboxServer sandbox = loopback.sandbox;
        Vertx clientVertx = Vertx.vertx();
        ClientOptions options = loopback.clientOptions();
        long before = usedHeap();
        long start = System.nanoTime();
        CountDownLatch connected = new CountDownLatch(CLIENTS);
        List<WhatsAppClient> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            String phone = String.valueOf(15_550_000_000L + i);
            WhatsAppClient client = new WhatsAppClient(clientVertx, options, Credentials.fresh(),
                    credentials -> Future.succeededFuture(), event -> {
                        if (event instanceof ClientEvent.QrCode) {
                            sandbox.scan(((ClientEvent.QrCode) event).text(), phone);
                        } else if (event instanceof ClientEvent.Connected) {
                            connected.countDown();
                        }
                    });
            clients.add(client);
            client.start();
        }
        boolean all = connected.await(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        long after = usedHeap();
        System.out.printf("fleet: %d clients paired and connected: %s in %.1f s (%.0f clients/s)%n", CLIENTS, all,
                seconds, CLIENTS / seconds);
        System.out.printf("fleet: heap with client and sandbox state, after GC: %.1f KB per connected client%n",
                (after - before) / 1024.0 / CLIENTS);
        for (WhatsAppClient client : clients) {
            client.close();
        }
        clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        loopback.close();
    }

    private static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
