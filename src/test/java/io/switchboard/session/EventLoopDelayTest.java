package io.switchboard.session;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The probe sees a busy event loop while it is busy (not only after), and a free one as on time. */
class EventLoopDelayTest {

    @Test
    void aBlockedLoopShowsAtOnceAndAFreeOneDoesNot() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        EventLoopDelay delay = new EventLoopDelay(vertx, metrics);
        try {
            delay.start();
            Thread.sleep(300);
            assertTrue(delay.nanos() < TimeUnit.MILLISECONDS.toNanos(100), "idle loops: " + delay.nanos() / 1e6 + " ms");
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch blocked = new CountDownLatch(1);
            vertx.nettyEventLoopGroup().next().execute(() -> {
                blocked.countDown();
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            blocked.await(5, TimeUnit.SECONDS);
            Thread.sleep(400);
            long whileBlocked = delay.nanos();
            assertTrue(whileBlocked > TimeUnit.MILLISECONDS.toNanos(300), "blocked for 400 ms: " + whileBlocked / 1e6 + " ms");
            assertTrue(metrics.get("switchboard.event.loop.delay").gauge().value() > 0.3);
            release.countDown();
            Thread.sleep(300);
            assertTrue(delay.nanos() < TimeUnit.MILLISECONDS.toNanos(100), "free again: " + delay.nanos() / 1e6 + " ms");
        } finally {
            delay.stop();
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }
}
