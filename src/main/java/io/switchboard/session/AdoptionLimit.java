package io.switchboard.session;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * How many logins from adoption may run at once on this replica: an AIMD limit (Netflix
 * concurrency-limits) fed by what the replica measures. A login that settles logged in while the
 * event loops run on time and the claim renewals are prompt lets the limit grow by one (while at
 * least half of it is in use: it grows geometrically with rounds of logins, as TCP's slow start); one that
 * settles while a loop runs later than {@code loopDelay} or the renewals lag, or one that failed
 * after more than {@code slowLogin} (or took that long at all), shrinks it to {@link #BACKOFF} of
 * itself — at most once per {@link #SHRINK_SPACING_NANOS}, as TCP backs off once per round trip, so
 * that a burst of logins settling in one overloaded moment does not drive it to the floor. Nothing
 * grows it while the replica is overloaded. A quick refusal (logged out elsewhere, say) says
 * nothing about load and is ignored. The configured concurrency is the ceiling, never the target.
 */
final class AdoptionLimit {

    static final int INITIAL = 16;
    static final int MIN = 2;
    static final double BACKOFF = 0.8;
    static final long SHRINK_SPACING_NANOS = 200_000_000L;

    /** What a settled login told the limit. */
    enum Sample { GROW, SHRINK, IGNORED }

    private final SimpleLimiter<Void> limiter;
    private final long slowLoginNanos;
    private final long loopDelayNanos;
    private final LongSupplier loopDelay;
    private final BooleanSupplier renewalsLag;
    private final LongSupplier clock;
    private long lastShrinkNanos;
    private boolean shrunk;

    AdoptionLimit(int ceiling, Duration slowLogin, Duration loopDelay, LongSupplier loopDelayNow, BooleanSupplier renewalsLag) {
        this(ceiling, slowLogin, loopDelay, loopDelayNow, renewalsLag, System::nanoTime);
    }

    AdoptionLimit(int ceiling, Duration slowLogin, Duration loopDelay, LongSupplier loopDelayNow, BooleanSupplier renewalsLag,
            LongSupplier clock) {
        int max = Math.max(1, ceiling);
        this.clock = clock;
        this.slowLoginNanos = slowLogin.toNanos();
        this.loopDelayNanos = loopDelay.toNanos();
        this.loopDelay = loopDelayNow;
        this.renewalsLag = renewalsLag;
        this.limiter = SimpleLimiter.newBuilder().named("adoption").nanoClock(clock)
                .limit(AIMDLimit.newBuilder().initialLimit(Math.min(INITIAL, max)).minLimit(Math.min(MIN, max)).maxLimit(max)
                        .backoffRatio(BACKOFF).timeout(slowLoginNanos, TimeUnit.NANOSECONDS).build())
                .build();
    }

    int limit() {
        return limiter.getLimit();
    }

    int inflight() {
        return limiter.getInflight();
    }

    /** Room for more logins now. */
    int room() {
        return Math.max(0, limiter.getLimit() - limiter.getInflight());
    }

    /** Up to {@code wanted} permits, fewer if the limit has less room; each must be settled or released. */
    List<Permit> acquire(int wanted) {
        List<Permit> permits = new ArrayList<>(Math.max(0, wanted));
        for (int i = 0; i < wanted; i++) {
            var listener = limiter.acquire(null);
            if (listener.isEmpty()) {
                break;
            }
            permits.add(new Permit(listener.get()));
        }
        return permits;
    }

    /** Whether a shrink may happen now (none in the last {@link #SHRINK_SPACING_NANOS}); if so, it is counted as done. */
    private synchronized boolean shrinkDue() {
        long now = clock.getAsLong();
        if (shrunk && now - lastShrinkNanos < SHRINK_SPACING_NANOS) {
            return false;
        }
        shrunk = true;
        lastShrinkNanos = now;
        return true;
    }

    /** One login's place in the limit, from its claim to its settling. */
    final class Permit {
        private final Limiter.Listener listener;
        private final long startedNanos = clock.getAsLong();
        private boolean done;

        private Permit(Limiter.Listener listener) {
            this.listener = listener;
        }

        /** The claim found nothing for it, or the connection needed no login. */
        synchronized void release() {
            if (!done) {
                done = true;
                listener.onIgnore();
            }
        }

        /**
         * The adoption failed on this replica's side (the database did not answer in time, say): overload, so the
         * limit shrinks (at most once per {@link #SHRINK_SPACING_NANOS}). Answers what it told the limit.
         */
        synchronized Sample failed() {
            if (done) {
                return Sample.IGNORED;
            }
            done = true;
            if (shrinkDue()) {
                listener.onDropped();
                return Sample.SHRINK;
            }
            listener.onIgnore();
            return Sample.IGNORED;
        }

        /** The login settled: logged in or not. Answers what it told the limit (IGNORED if already settled). */
        synchronized Sample settled(boolean loggedIn) {
            if (done) {
                return Sample.IGNORED;
            }
            done = true;
            boolean overloaded = loopDelay.getAsLong() > loopDelayNanos || renewalsLag.getAsBoolean();
            boolean slow = clock.getAsLong() - startedNanos > slowLoginNanos;
            if (loggedIn && !overloaded && !slow) {
                listener.onSuccess();
                return Sample.GROW;
            }
            if ((loggedIn || overloaded || slow) && shrinkDue()) {
                listener.onDropped();
                return Sample.SHRINK;
            }
            listener.onIgnore();
            return Sample.IGNORED;
        }
    }
}
