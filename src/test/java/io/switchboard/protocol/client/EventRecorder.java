package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Collects client events and lets a test wait for the next one of a kind. */
final class EventRecorder implements CredentialsStore {

    final BlockingQueue<ClientEvent> events = new LinkedBlockingQueue<>();
    final List<Credentials> stored = new ArrayList<>();

    volatile boolean sawQr;

    void accept(ClientEvent event) {
        sawQr |= event instanceof ClientEvent.QrCode;
        events.add(event);
    }

    @Override
    public synchronized Future<Void> save(Credentials credentials) {
        stored.add(credentials);
        return Future.succeededFuture();
    }

    <T extends ClientEvent> T next(Class<T> type, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            ClientEvent event = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertNotNull(event, "no " + type.getSimpleName() + " within " + seconds + " s");
            if (type.isInstance(event)) {
                return type.cast(event);
            }
            if (event instanceof ClientEvent.Disconnected && type != ClientEvent.Disconnected.class) {
                throw new AssertionError("disconnected while waiting for " + type.getSimpleName() + ": " + event);
            }
        }
    }
}
