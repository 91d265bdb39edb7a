package io.switchboard.session;

import jakarta.enterprise.context.ApplicationScoped;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    /** A period's tick came while a pass was running. */
    private final AtomicBoolean passDue = new AtomicBoolean();
    private final io.micrometer.core.instrument.Counter busy;
    /**
     * When the renewal statement in flight (up to {@link #CHUNK} claims) was sent (-1: none), and how
     * long the last one took: what adoption watches, since a claim waits for its own statement only.
     */
    private volatile long renewalSentNanos = -1;
    private volatile long lastRenewalNanos;

    LeaseKeeper(SessionRegistry registry) {
        this.registry = registry;
        io.micrometer.core.instrument.Gauge.builder("switchboard.lease.renewal.lag", this, LeaseKeeper::lagSeconds)
                .description("How long a claim renewal statement of this replica (up to 1,000 claims) takes: the one in flight,"
                        + " or else the last one (seconds); past a sixth of the lease, adoption waits")
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

    /**
     * Renews the claims held, {@link #CHUNK} at a time, one statement after the other: each claim's
     * trust runs from its own statement's sending, so a pass over thousands that takes longer than a
     * renewal period costs no claim as long as each claim is renewed again within its trust (the whole
     * pass in one statement put the cliff at a third of the lease: seen at 9,300 claims on a loaded
     * machine, every session stood down). A tick that finds a pass running starts the next pass as
     * soon as it ends. A claim whose row a transaction had locked is neither renewed nor lost: it is
     * tried again shortly, on its own.
     */
    void renew() {
        if (!renewing.compareAndSet(false, true)) {
            // A pass is still running: the next one starts as soon as it ends, not a whole period later.
            passDue.set(true);
            return;
        }
        List<Map<UUID, Long>> chunks = new ArrayList<>();
        registry.all().forEach(session -> {
            long epoch = session.heldEpoch();
            if (epoch >= 0) {
                if (chunks.isEmpty() || chunks.get(chunks.size() - 1).size() >= CHUNK) {
                    chunks.add(new HashMap<>());
                }
                chunks.get(chunks.size() - 1).put(session.id, epoch);
            }
        });
        Uni<Void> pass = Uni.createFrom().voidItem();
        for (Map<UUID, Long> chunk : chunks) {
            // A statement that fails costs only its own claims this time round: the pass goes on.
            pass = pass.flatMap(ignored -> renewChunk(chunk).onFailure().recoverWithUni(error -> {
                LOG.warnf("renewing %d connection claims failed: %s", chunk.size(), error.getMessage());
                return Uni.createFrom().voidItem();
            }));
        }
        pass.eventually(() -> {
            renewing.set(false);
            if (passDue.getAndSet(false)) {
                registry.context().vertx().runOnContext(ignored -> renew());
            }
        }).subscribe().with(ok -> { }, error -> LOG.errorf(error, "a claim renewal pass failed"));
    }

    private Uni<Void> renewChunk(Map<UUID, Long> held) {
        SessionContext ctx = registry.context();
        long sent = System.nanoTime();
        renewalSentNanos = sent;
        return ctx.leases().renew(ctx.replicaId(), held, ctx.lease()).eventually(() -> {
            lastRenewalNanos = System.nanoTime() - sent;
            renewalSentNanos = -1;
        }).map(result -> {
            held.forEach((id, epoch) -> registry.find(id).ifPresent(session -> {
                if (result.renewed().contains(id)) {
                    session.renewed(epoch, sent);
                } else if (!result.busy().contains(id)) {
                    session.fencedOff(epoch, "another replica claimed the connection (renewal refused)");
                }
            }));
            if (!result.busy().isEmpty()) {
                // Tried again shortly, on their own, not a whole pass later: a write in flight holds a row for milliseconds.
                busy.increment(result.busy().size());
                ctx.vertx().setTimer(BUSY_RETRY_MILLIS, t -> {
                    // Only claims still held at the same epoch: one stood down meanwhile is not retried for ever.
                    Map<UUID, Long> again = new HashMap<>();
                    result.busy().forEach(id -> registry.find(id).filter(session -> session.heldEpoch() == held.get(id))
                            .ifPresent(session -> again.put(id, held.get(id))));
                    if (!again.isEmpty()) {
                        renewChunk(again).subscribe().with(ok -> { }, error -> LOG.warnf(
                                "renewing %d busy connection claims failed: %s", again.size(), error.getMessage()));
                    }
                });
            }
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
