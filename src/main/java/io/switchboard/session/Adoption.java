package io.switchboard.session;

import io.micrometer.core.instrument.Gauge;
import io.switchboard.db.Fence;
import io.switchboard.session.store.Adopted;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The one way a replica takes up connections it did not start: at start-up, after another
 * replica died (lease expired) or handed over (claim released). Claims in batches that skip
 * rows another replica is taking, as many as the adaptive limit ({@link AdoptionLimit}) has room
 * for and the rate ceiling allows; while this replica's claim renewals run late it takes nothing.
 */
@ApplicationScoped
class Adoption {

    private static final Logger LOG = Logger.getLogger(Adoption.class);
    private static final long SETTLE_DEADLINE_MILLIS = 30_000;
    private static final long DRAIN_PAUSE_MILLIS = 20;

    /** How a claimed connection's login settled; the first call counts. */
    interface Settled {
        void loginSettled(boolean loggedIn);

        /** The connection needed no login (an interrupted linking, an inactive session). */
        void nothingToLogIn();

        /** The adoption failed on this replica's side (the database did not answer in time, say): overload. */
        void loginFailed();
    }

    private final SessionRegistry registry;
    private final LeaseKeeper keeper;
    private final EventLoopDelay loops;
    private final AtomicBoolean scanning = new AtomicBoolean();
    private volatile AdoptionLimit limit;
    private double tokens;
    private long refilledAt = System.nanoTime();
    private volatile boolean stopped;

    Adoption(SessionRegistry registry, LeaseKeeper keeper, EventLoopDelay loops) {
        this.registry = registry;
        this.keeper = keeper;
        this.loops = loops;
        var metrics = registry.context().metrics().registry();
        Gauge.builder("switchboard.adoption.limit", this, adoption -> adoption.limit().limit())
                .description("How many logins from adoption may run at once now (adaptive, up to adoption-concurrency)")
                .register(metrics);
        Gauge.builder("switchboard.adoption.inflight", this, adoption -> adoption.limit().inflight())
                .description("Logins from adoption in progress").register(metrics);
    }

    AdoptionLimit limit() {
        AdoptionLimit current = limit;
        if (current == null) {
            synchronized (this) {
                if (limit == null) {
                    SessionConfig config = registry.context().config();
                    limit = new AdoptionLimit(config.adoptionConcurrency(), config.adoptionSlowLogin(), config.adoptionLoopDelay(),
                            loops::nanos, keeper::lagging);
                }
                current = limit;
            }
        }
        return current;
    }

    void stop() {
        stopped = true;
    }

    /** Adopts what the limit and the rate allow now; keeps going while there is more. */
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
        AdoptionLimit limits = limit();
        // At most a renewal statement's worth per adopt statement: a larger batch takes longer to claim and to
        // start, while each claim's trust already runs from the statement's sending (the next batch follows at once).
        int wanted = takeTokens(Math.min(limits.room(), LeaseKeeper.CHUNK));
        List<AdoptionLimit.Permit> permits = limits.acquire(wanted);
        returnTokens(wanted - permits.size());
        if (permits.isEmpty()) {
            scanning.set(false);
            return;
        }
        int allowed = permits.size();
        ctx.leases().adoptTimed(ctx.replicaId(), ctx.lease(), allowed).subscribe().with(adoptions -> {
            List<Adopted> adopted = adoptions.adopted();
            returnTokens(allowed - adopted.size());
            permits.subList(adopted.size(), allowed).forEach(AdoptionLimit.Permit::release);
            start(adopted, permits, adoptions.sentNanos());
            scanning.set(false);
            if (adopted.size() == allowed && !stopped) {
                ctx.vertx().setTimer(DRAIN_PAUSE_MILLIS, t -> tick());
            }
        }, error -> {
            returnTokens(allowed);
            permits.forEach(AdoptionLimit.Permit::release);
            scanning.set(false);
            LOG.warnf("looking for connections to adopt failed: %s", error.getMessage());
        });
    }

    private void start(List<Adopted> adopted, List<AdoptionLimit.Permit> permits, long sent) {
        SessionContext ctx = registry.context();
        for (int i = 0; i < adopted.size(); i++) {
            Adopted one = adopted.get(i);
            AdoptionLimit.Permit permit = permits.get(i);
            Settled settled = new Settled() {
                @Override
                public void loginSettled(boolean loggedIn) {
                    permit.settled(loggedIn);
                    // A free slot: take the next one now rather than at the next interval.
                    ctx.vertx().runOnContext(v -> tick());
                }

                @Override
                public void nothingToLogIn() {
                    permit.release();
                    ctx.vertx().runOnContext(v -> tick());
                }

                @Override
                public void loginFailed() {
                    permit.failed();
                    ctx.vertx().runOnContext(v -> tick());
                }
            };
            ctx.vertx().setTimer(SETTLE_DEADLINE_MILLIS, t -> settled.loginSettled(false));
            LOG.infof("adopting the WhatsApp connection of %s (%s, epoch %d)", one.organizationId(), one.state(), one.epoch());
            registry.session(one.organizationId()).adopted(new Fence(ctx.replicaId(), one.epoch()), sent, settled)
                    .subscribe().with(ok -> { }, error -> {
                        settled.loginFailed();
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
