package io.switchboard.session;

import jakarta.enterprise.context.ApplicationScoped;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Keeps this replica's claims: renews all of them in one statement every third of the lease,
 * and stops any connection whose claim was refused or could not be renewed in time — before
 * its lease can expire and another replica adopt it.
 */
@ApplicationScoped
class LeaseKeeper {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);

    private final SessionRegistry registry;
    /** A claim found locked by a transaction is tried again after this long. */
    static final long BUSY_RETRY_MILLIS = 200;
    /** Claims renewed per statement. */
    static final int CHUNK = 1000;

    private final AtomicBoolean renewing = new AtomicBoolean();
    private final AtomicBoolean retrying = new AtomicBoolean();
    /** A period's tick came while a pass was running. */
    private final AtomicBoolean passDue = new AtomicBoolean();
    private final io.micrometer.core.instrument.Counter busy;
    /** When the renewal in flight was sent (-1: none), and how long the last one took. */
    private volatile long renewalSentNanos = -1;
    private volatile long lastRenewalNanos;

    LeaseKeeper(SessionRegistry registry) {
        this.registry = registry;
        io.micrometer.core.instrument.Gauge.builder("switchboard.lease.renewal.lag", this, LeaseKeeper::lagSeconds)
                .description("How long this replica's claim renewal takes: the one in flight, or else the last one (seconds);"
                        + " past a sixth of the lease, adoption waits")
                .baseUnit("seconds").register(registry.context().metrics().registry());
        busy = io.micrometer.core.instrument.Counter.builder("switchboard.lease.renewals.busy")
                .description("Claims a renewal skipped because a transaction had their row locked (tried again shortly)")
                .register(registry.context().metrics().registry());
    }

    /** The renewal in flight's age, or the last renewal's duration, in seconds. */
    double lagSeconds() {
        long sent = renewalSentNanos;
        long inFlight = sent >= 0 ? System.nanoTime() - sent : 0;
        return Math.max(inFlight, lastRenewalNanos) / 1e9;
    }

    void renew() {
        renew(null);
    }

    /**
     * Renews the claims held (only those in {@code only}, when given: a retry), {@link #CHUNK} at a
     * time, one statement after the other: each claim's trust runs from its own statement's sending, so
     * a pass over thousands that takes longer than a renewal period costs no claim as long as each
     * claim is renewed again within its trust (the whole pass in one statement put the cliff at a
     * third of the lease: seen at 9,300 claims on a loaded machine, every session stood down). A claim
     * whose row a transaction had locked is neither renewed nor lost: it is tried again shortly, on its
     * own. A retry has a guard of its own and leaves the lag figures alone, so it never makes a full
     * renewal wait or skip its turn.
     */
    private void renew(Set<UUID> only) {
        boolean full = only == null;
        AtomicBoolean guard = full ? renewing : retrying;
        if (!guard.compareAndSet(false, true)) {
            if (full) {
                // A pass is still running: the next one starts as soon as it ends, not a whole period later.
                passDue.set(true);
            }
            return;
        }
        List<Map<UUID, Long>> chunks = new ArrayList<>();
        registry.all().forEach(session -> {
            long epoch = session.heldEpoch();
            if (epoch >= 0 && (full || only.contains(session.id))) {
                if (chunks.isEmpty() || chunks.get(chunks.size() - 1).size() >= CHUNK) {
                    chunks.add(new HashMap<>());
                }
                chunks.get(chunks.size() - 1).put(session.id, epoch);
            }
        });
        long sent = System.nanoTime();
        if (full) {
            renewalSentNanos = sent;
        }
        Set<UUID> busyOnes = new HashSet<>();
        Uni<Void> pass = Uni.createFrom().voidItem();
        for (Map<UUID, Long> chunk : chunks) {
            pass = pass.flatMap(ignored -> renewChunk(chunk, busyOnes));
        }
        pass.eventually(() -> {
            if (full) {
                lastRenewalNanos = System.nanoTime() - sent;
                renewalSentNanos = -1;
            }
            guard.set(false);
            if (full && passDue.getAndSet(false)) {
                registry.context().vertx().runOnContext(ignored -> renew(null));
            }
            if (!busyOnes.isEmpty()) {
                busy.increment(busyOnes.size());
                registry.context().vertx().setTimer(BUSY_RETRY_MILLIS, t -> renew(busyOnes));
            }
        }).subscribe().with(ok -> { }, error -> LOG.warnf("renewing connection claims failed: %s", error.getMessage()));
    }

    private Uni<Void> renewChunk(Map<UUID, Long> held, Set<UUID> busyOnes) {
        SessionContext ctx = registry.context();
        long sent = System.nanoTime();
        return ctx.leases().renew(ctx.replicaId(), held, ctx.lease()).map(result -> {
            held.forEach((id, epoch) -> registry.find(id).ifPresent(session -> {
                if (result.renewed().contains(id)) {
                    session.renewed(epoch, sent);
                } else if (!result.busy().contains(id)) {
                    session.fencedOff(epoch, "another replica claimed the connection (renewal refused)");
                }
            }));
            busyOnes.addAll(result.busy());
            return null;
        });
    }

    /**
     * True while renewals run late (one in flight, or the last one, past a sixth of the lease):
     * adoption then waits, so that a replica busy logging thousands in keeps the claims it holds
     * before it takes more (seen: a cold replica adopting 10,000 at full speed lost 128 claims).
     */
    boolean lagging() {
        long limit = registry.context().lease().toNanos() / 6;
        long sent = renewalSentNanos;
        return (sent >= 0 && System.nanoTime() - sent > limit) || lastRenewalNanos > limit;
    }

    /** Stops connections whose claim is no longer trusted (renewals failed for ⅔ of a lease). */
    void watch() {
        long now = System.nanoTime();
        registry.all().forEach(session -> {
            if (session.trustExpired(now)) {
                session.fencedOff(session.heldEpoch(), "the claim could not be renewed in time (database unreachable?)");
            }
        });
    }
}
