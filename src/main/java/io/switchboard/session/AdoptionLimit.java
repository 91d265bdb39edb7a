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
 * least half of it is in use); one that settles while a loop runs later than {@code loopDelay} or
 * the renewals lag, one that failed after more than {@code slowLogin} (or took that long at all)
 * shrinks it by a tenth; a quick refusal (logged out elsewhere, say) says nothing about load and is
 * ignored. The configured concurrency is the ceiling, never the target.
 */
final class AdoptionLimit {

    static final int INITIAL = 16;
    static final int MIN = 2;
    static final double BACKOFF = 0.9;

    /** What a settled login told the limit. */
    enum Sample { GROW, SHRINK, IGNORED }

    private final SimpleLimiter<Void> limiter;
    private final long slowLoginNanos;
    private final long loopDelayNanos;
    private final LongSupplier loopDelay;
    private final BooleanSupplier renewalsLag;

    AdoptionLimit(int ceiling, Duration slowLogin, Duration loopDelay, LongSupplier loopDelayNow, BooleanSupplier renewalsLag) {
        int max = Math.max(1, ceiling);
        this.slowLoginNanos = slowLogin.toNanos();
        this.loopDelayNanos = loopDelay.toNanos();
        this.loopDelay = loopDelayNow;
        this.renewalsLag = renewalsLag;
        this.limiter = SimpleLimiter.newBuilder().named("adoption")
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

    /** One login's place in the limit, from its claim to its settling. */
    final class Permit {
        private final Limiter.Listener listener;
        private final long startedNanos = System.nanoTime();
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

        /** The login settled: logged in or not. Answers what it told the limit (IGNORED if already settled). */
        synchronized Sample settled(boolean loggedIn) {
            if (done) {
                return Sample.IGNORED;
            }
            done = true;
            boolean overloaded = loopDelay.getAsLong() > loopDelayNanos || renewalsLag.getAsBoolean();
            boolean slow = System.nanoTime() - startedNanos > slowLoginNanos;
            if (loggedIn && !overloaded) {
                // The limiter measures the login's time itself: past slowLogin it shrinks the limit.
                listener.onSuccess();
                return slow ? Sample.SHRINK : Sample.GROW;
            }
            if (loggedIn || overloaded || slow) {
                listener.onDropped();
                return Sample.SHRINK;
            }
            listener.onIgnore();
            return Sample.IGNORED;
        }
    }
}
