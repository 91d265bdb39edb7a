package io.switchboard.session;

import jakarta.enterprise.context.ApplicationScoped;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Keeps this replica's claims: renews each a third of the lease after its last renewal or claim,
 * the most urgent first, and stops any connection whose claim was refused or could not be renewed in time — before
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
    /** How long the most overdue claim of the last renewal statement had gone without one. */
    private volatile long lastClaimAgeNanos;
    private final io.micrometer.core.instrument.Timer claimAge;

    LeaseKeeper(SessionRegistry registry) {
        this.registry = registry;
        io.micrometer.core.instrument.Gauge.builder("switchboard.lease.renewal.lag", this, LeaseKeeper::lagSeconds)
                .description("How long a claim renewal statement of this replica (up to 1,000 claims) takes: the one in flight,"
                        + " or else the last one (seconds); past a sixth of the lease, adoption waits")
                .baseUnit("seconds").register(registry.context().metrics().registry());
        busy = io.micrometer.core.instrument.Counter.builder("switchboard.lease.renewals.busy")
                .description("Claims a renewal skipped because a transaction had their row locked (tried again shortly)")
                .register(registry.context().metrics().registry());
        claimAge = io.micrometer.core.instrument.Timer.builder("switchboard.lease.claim.age")
                .description("How long the most overdue claim of each renewal statement had gone since its last renewal or claim"
                        + " statement was sent; a claim is trusted for two thirds of the lease from that sending")
                .register(registry.context().metrics().registry());
    }

    /** The renewal in flight's age, or the last renewal's duration, in seconds. */
    double lagSeconds() {
        long sent = renewalSentNanos;
        long inFlight = sent >= 0 ? System.nanoTime() - sent : 0;
        return Math.max(inFlight, lastRenewalNanos) / 1e9;
    }

    /**
     * How often the keeper looks for claims due: a twelfth of the lease, at least 100 ms. Each claim is
     * due a third of the lease after its last renewal (or claim) statement was sent, give or take half a
     * tick, so a claim taken by adoption is first renewed a third of the lease after its adopt statement,
     * not at the next period plus a whole pass (seen: claims adopted 5,000 at a time trusted for 4 s
     * waited 2 s for the period and up to 2 s more for the statements ahead of theirs, and were stood down).
     */
    static long tickMillis(Duration lease) {
        return Math.max(100, lease.toMillis() / 12);
    }

    /**
     * Renews the claims that are due, the most urgent first, {@link #CHUNK} at a time, one statement
     * after the other: each claim's trust runs from its own statement's sending. A tick that finds a
     * pass running starts the next pass as soon as it ends. A claim whose row a transaction had locked
     * is neither renewed nor lost: it is tried again shortly, on its own.
     */
    void renew() {
        if (!renewing.compareAndSet(false, true)) {
            // A pass is still running: the next one starts as soon as it ends, not a tick later.
            passDue.set(true);
            return;
        }
        SessionContext ctx = registry.context();
        List<Claim> due = due(System.nanoTime());
        if (due.isEmpty()) {
            // Nothing is due, so nothing is late: a slow last statement (or a failed one, during an outage that stood
            // every claim down) must not keep adoption waiting when no statement will come to replace its figures.
            lastRenewalNanos = 0;
            lastClaimAgeNanos = 0;
        }
        Uni<Void> pass = Uni.createFrom().voidItem();
        for (int from = 0; from < due.size(); from += CHUNK) {
            List<Claim> chunk = due.subList(from, Math.min(due.size(), from + CHUNK));
            // A statement that fails costs only its own claims this time round: the pass goes on.
            pass = pass.flatMap(ignored -> renewChunk(chunk).onFailure().recoverWithUni(error -> {
                LOG.warnf("renewing %d connection claims failed: %s", chunk.size(), error.getMessage());
                return Uni.createFrom().voidItem();
            }));
        }
        pass.eventually(() -> {
            renewing.set(false);
            if (passDue.getAndSet(false)) {
                ctx.vertx().runOnContext(ignored -> renew());
            }
        }).subscribe().with(ok -> { }, error -> LOG.errorf(error, "a claim renewal pass failed"));
    }

    /**
     * The claims due at {@code now}, the most urgent (least trust left) first: those whose last renewal or
     * claim statement went out a third of the lease ago, less half a tick.
     */
    List<Claim> due(long now) {
        SessionContext ctx = registry.context();
        long dueAt = ctx.trustNanos() - ctx.lease().toNanos() / 3 + tickMillis(ctx.lease()) * 500_000L;
        List<Claim> due = new ArrayList<>();
        registry.all().forEach(session -> {
            long epoch = session.heldEpoch();
            long trustedUntil = session.trustedUntil;
            if (epoch >= 0 && trustedUntil - now <= dueAt) {
                due.add(new Claim(session.id, epoch, trustedUntil));
            }
        });
        due.sort(Comparator.comparingLong(claim -> claim.trustedUntil() - now));
        return due;
    }

    /** A claim held at {@code epoch}, trusted until {@code trustedUntil} (nanoTime). */
    record Claim(UUID id, long epoch, long trustedUntil) {
    }

    private Uni<Void> renewChunk(List<Claim> claims) {
        SessionContext ctx = registry.context();
        long sent = System.nanoTime();
        renewalSentNanos = sent;
        long trust = ctx.trustNanos();
        long oldest = claims.stream().mapToLong(Claim::trustedUntil).min().orElse(sent + trust);
        // How long the most overdue claim went since its last renewal or claim statement: what is left of its trust.
        long age = sent - (oldest - trust);
        claimAge.record(Math.max(0, age), TimeUnit.NANOSECONDS);
        lastClaimAgeNanos = age;
        Map<UUID, Long> held = new HashMap<>();
        claims.forEach(claim -> held.put(claim.id(), claim.epoch()));
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
                    List<Claim> again = new ArrayList<>();
                    result.busy().forEach(id -> registry.find(id).filter(session -> session.heldEpoch() == held.get(id))
                            .ifPresent(session -> again.add(new Claim(id, held.get(id), session.trustedUntil))));
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
     * True while renewals run late (one in flight, or the last one, past a sixth of the lease), or the
     * last statement went out with a quarter or less of its most urgent claim's trust left:
     * adoption then waits, so that a replica busy logging thousands in keeps the claims it holds
     * before it takes more (seen: a cold replica adopting 10,000 at full speed lost 128 claims).
     */
    boolean lagging() {
        long limit = registry.context().lease().toNanos() / 6;
        long sent = renewalSentNanos;
        return (sent >= 0 && System.nanoTime() - sent > limit) || lastRenewalNanos > limit
                || lastClaimAgeNanos > registry.context().trustNanos() * 3 / 4;
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
