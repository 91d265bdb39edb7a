package io.switchboard.session;

import io.switchboard.session.store.Adopted;
import io.switchboard.db.Fence;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The one way a replica takes up connections it did not start: at start-up, after another
 * replica died (lease expired) or handed over (claim released). Claims in batches that skip
 * rows another replica is taking, paced by a concurrency limit (logins not yet settled) and a
 * rate (logins per second), and waiting while this replica's claim renewals run late.
 */
@ApplicationScoped
class Adoption {

    private static final Logger LOG = Logger.getLogger(Adoption.class);
    private static final long SETTLE_DEADLINE_MILLIS = 30_000;
    private static final long DRAIN_PAUSE_MILLIS = 20;

    private final SessionRegistry registry;
    private final LeaseKeeper keeper;
    private final AtomicInteger unsettled = new AtomicInteger();
    private final AtomicBoolean scanning = new AtomicBoolean();
    private double tokens;
    private long refilledAt = System.nanoTime();
    private volatile boolean stopped;

    Adoption(SessionRegistry registry, LeaseKeeper keeper) {
        this.registry = registry;
        this.keeper = keeper;
    }

    void stop() {
        stopped = true;
    }

    /** Adopts what the pacing allows now; keeps going while there is more. */
    void tick() {
        SessionContext ctx = registry.context();
        if (stopped || !scanning.compareAndSet(false, true)) {
            return;
        }
        if (keeper.lagging()) {
            // Renewals run late: keep what this replica holds first; the next tick or settled login looks again.
            scanning.set(false);
            LOG.debugf("adoption waits: connection claims are being renewed late");
            return;
        }
        int allowed = takeTokens(ctx.config().adoptionConcurrency() - unsettled.get());
        if (allowed <= 0) {
            scanning.set(false);
            return;
        }
        long sent = System.nanoTime();
        ctx.leases().adopt(ctx.replicaId(), ctx.lease(), allowed).subscribe().with(adopted -> {
            returnTokens(allowed - adopted.size());
            start(adopted, sent);
            scanning.set(false);
            if (adopted.size() == allowed && !stopped) {
                ctx.vertx().setTimer(DRAIN_PAUSE_MILLIS, t -> tick());
            }
        }, error -> {
            returnTokens(allowed);
            scanning.set(false);
            LOG.warnf("looking for connections to adopt failed: %s", error.getMessage());
        });
    }

    private void start(List<Adopted> adopted, long sent) {
        SessionContext ctx = registry.context();
        for (Adopted one : adopted) {
            unsettled.incrementAndGet();
            AtomicBoolean once = new AtomicBoolean();
            Runnable settled = () -> {
                if (once.compareAndSet(false, true)) {
                    unsettled.decrementAndGet();
                    // A free slot: take the next one now rather than at the next interval.
                    ctx.vertx().runOnContext(v -> tick());
                }
            };
            ctx.vertx().setTimer(SETTLE_DEADLINE_MILLIS, t -> settled.run());
            LOG.infof("adopting the WhatsApp connection of %s (%s, epoch %d)", one.organizationId(), one.state(), one.epoch());
            registry.session(one.organizationId()).adopted(new Fence(ctx.replicaId(), one.epoch()), sent, settled)
                    .subscribe().with(ok -> { }, error -> {
                        settled.run();
                        LOG.warnf("adopting %s failed: %s", one.organizationId(), error.getMessage());
                    });
        }
    }

    private synchronized int takeTokens(int wanted) {
        int rate = Math.max(1, registry.context().config().adoptionRate());
        long now = System.nanoTime();
        tokens = Math.min(rate, tokens + (now - refilledAt) / 1e9 * rate);
        refilledAt = now;
        int granted = (int) Math.min(Math.max(0, wanted), Math.floor(tokens));
        tokens -= granted;
        return granted;
    }

    private synchronized void returnTokens(int unused) {
        tokens += Math.max(0, unused);
    }
}
