package io.switchboard.session;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * How late this replica's event loops run their work: every PERIOD each Netty event loop is given
 * a task due then, and the time it started past that is the loop's delay. A loop so busy that its
 * probe has not run yet counts as late by the probe's age, so a stuck loop shows at once. Adoption
 * reads it (a login that settled while a loop ran late counts as overload) and it is exported.
 */
@ApplicationScoped
class EventLoopDelay {

    static final long PERIOD_MILLIS = 50;

    private final Vertx vertx;
    private final List<Probe> probes = new ArrayList<>();

    EventLoopDelay(Vertx vertx, MeterRegistry metrics) {
        this.vertx = vertx;
        Gauge.builder("switchboard.event.loop.delay", this, probe -> probe.nanos() / 1e9)
                .description("How late the busiest event loop runs its tasks now (seconds): the last probe's lateness,"
                        + " or the age of a probe not run yet; logins are paced to keep it low")
                .baseUnit("seconds").register(metrics);
    }

    void onStart(@Observes StartupEvent event) {
        start();
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /** Starts probing every event loop (idempotent). */
    synchronized void start() {
        if (!probes.isEmpty()) {
            return;
        }
        for (EventExecutor loop : vertx.nettyEventLoopGroup()) {
            Probe probe = new Probe(loop);
            probes.add(probe);
            probe.arm();
        }
    }

    synchronized void stop() {
        probes.forEach(Probe::cancel);
        probes.clear();
    }

    /** The busiest loop's delay now, in nanoseconds (0 before {@link #start()}). */
    long nanos() {
        long now = System.nanoTime();
        long worst = 0;
        for (Probe probe : List.copyOf(probes)) {
            worst = Math.max(worst, probe.delay(now));
        }
        return worst;
    }

    private static final class Probe {
        private final EventExecutor loop;
        private volatile long dueNanos;
        private volatile long lastDelayNanos;
        private volatile ScheduledFuture<?> pending;
        private volatile boolean cancelled;

        Probe(EventExecutor loop) {
            this.loop = loop;
        }

        void arm() {
            if (cancelled) {
                return;
            }
            dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);
            pending = loop.schedule(this::ran, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void ran() {
            lastDelayNanos = Math.max(0, System.nanoTime() - dueNanos);
            arm();
        }

        long delay(long now) {
            return Math.max(lastDelayNanos, now - dueNanos);
        }

        void cancel() {
            cancelled = true;
            ScheduledFuture<?> scheduled = pending;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
    }
}
