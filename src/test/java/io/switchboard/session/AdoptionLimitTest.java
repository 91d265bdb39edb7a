package io.switchboard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The adoption limit follows what it is told: it grows about geometrically with rounds of prompt logins up to its
 * ceiling, shrinks once per spacing under overload (never to the floor in one burst), ignores
 * quick refusals, and counts every permit once.
 */
class AdoptionLimitTest {

    private final AtomicLong loopDelayNanos = new AtomicLong();
    private final AtomicBoolean renewalsLag = new AtomicBoolean();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private AdoptionLimit limit(int ceiling) {
        return new AdoptionLimit(ceiling, Duration.ofSeconds(10), Duration.ofMillis(250), loopDelayNanos::get, renewalsLag::get,
                now::get);
    }

    /**
     * One round of logins as adoption runs them: the limit kept full (each settled login's slot taken
     * again at once), as many settling as the limit was at the start, 50 ms later; answers the limit after.
     */
    private int round(AdoptionLimit limit, boolean loggedIn) {
        java.util.ArrayDeque<AdoptionLimit.Permit> running = new java.util.ArrayDeque<>(limit.acquire(limit.room()));
        now.addAndGet(50_000_000L);
        for (int settled = limit.limit(); settled > 0 && !running.isEmpty(); settled--) {
            running.poll().settled(loggedIn);
            running.addAll(limit.acquire(limit.room()));
        }
        running.forEach(AdoptionLimit.Permit::release);
        return limit.limit();
    }

    @Test
    void promptLoginsGrowTheLimitEachRoundUpToItsCeilingOnly() {
        AdoptionLimit limit = limit(1_000_000);
        assertEquals(AdoptionLimit.INITIAL, limit.limit());
        assertEquals(AdoptionLimit.INITIAL, limit.acquire(100).size(), "no more permits than the limit");
        AdoptionLimit fresh = limit(1_000_000);
        int first = round(fresh, true);
        assertTrue(first > AdoptionLimit.INITIAL * 3 / 2, "one round: " + first);
        for (int i = 0; i < 3; i++) {
            round(fresh, true);
        }
        assertTrue(fresh.limit() > 4 * AdoptionLimit.INITIAL, "four rounds: " + fresh.limit());
        AdoptionLimit capped = limit(40);
        for (int i = 0; i < 10; i++) {
            round(capped, true);
        }
        assertEquals(40, capped.limit());
    }

    @Test
    void aLateEventLoopOrLateRenewalsShrinkItOncePerSpacing() {
        AdoptionLimit limit = limit(1_000_000);
        round(limit, true);
        round(limit, true);
        int grown = limit.limit();
        loopDelayNanos.set(Duration.ofMillis(400).toNanos());
        List<AdoptionLimit.Permit> permits = limit.acquire(20);
        assertEquals(AdoptionLimit.Sample.SHRINK, permits.get(0).settled(true));
        permits.subList(1, 20).forEach(permit -> assertEquals(AdoptionLimit.Sample.IGNORED, permit.settled(true),
                "a burst settling in one overloaded moment shrinks it once"));
        assertEquals((int) (grown * AdoptionLimit.BACKOFF), limit.limit());
        now.addAndGet(AdoptionLimit.SHRINK_SPACING_NANOS);
        assertEquals(AdoptionLimit.Sample.SHRINK, limit.acquire(1).get(0).settled(true), "and again after the spacing");
        assertEquals((int) ((int) (grown * AdoptionLimit.BACKOFF) * AdoptionLimit.BACKOFF), limit.limit());

        loopDelayNanos.set(0);
        renewalsLag.set(true);
        now.addAndGet(AdoptionLimit.SHRINK_SPACING_NANOS);
        int before = limit.limit();
        assertEquals(AdoptionLimit.Sample.SHRINK, limit.acquire(1).get(0).settled(true), "late renewals count as overload");
        assertTrue(limit.limit() < before);
        for (int i = 0; i < 100; i++) {
            now.addAndGet(AdoptionLimit.SHRINK_SPACING_NANOS);
            limit.acquire(1).get(0).settled(true);
        }
        assertEquals(AdoptionLimit.MIN, limit.limit(), "the floor");
        renewalsLag.set(false);
        assertTrue(round(limit, true) > AdoptionLimit.MIN, "grows again once the replica keeps up");
    }

    @Test
    void aSlowLoginOrSlowFailureShrinksIt() {
        AdoptionLimit limit = limit(1_000_000);
        AdoptionLimit.Permit permit = limit.acquire(1).get(0);
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        assertEquals(AdoptionLimit.Sample.SHRINK, permit.settled(false));
        assertEquals((int) (AdoptionLimit.INITIAL * AdoptionLimit.BACKOFF), limit.limit());
        AdoptionLimit.Permit slowButIn = limit.acquire(1).get(0);
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        assertEquals(AdoptionLimit.Sample.SHRINK, slowButIn.settled(true));
    }

    @Test
    void aQuickRefusalSaysNothingAndEveryPermitIsCountedOnce() {
        AdoptionLimit limit = limit(1_000_000);
        List<AdoptionLimit.Permit> permits = limit.acquire(10);
        assertEquals(10, limit.inflight());
        assertEquals(AdoptionLimit.Sample.IGNORED, permits.get(0).settled(false));
        assertEquals(AdoptionLimit.INITIAL, limit.limit());
        assertEquals(AdoptionLimit.Sample.IGNORED, permits.get(0).settled(true), "settled once");
        permits.get(1).release();
        permits.get(1).release();
        assertEquals(8, limit.inflight());
        permits.subList(2, 10).forEach(AdoptionLimit.Permit::release);
        assertEquals(0, limit.inflight());
    }

    @Test
    void anAdoptionThatFailedOnTheReplicasSideShrinksTheLimitOnceAndCountsOnce() {
        AdoptionLimit limit = limit(1_000_000);
        List<AdoptionLimit.Permit> permits = limit.acquire(4);
        assertEquals(AdoptionLimit.Sample.SHRINK, permits.get(0).failed(), "the database did not answer: overload");
        int shrunk = limit.limit();
        assertTrue(shrunk < AdoptionLimit.INITIAL, "shrunk: " + shrunk);
        assertEquals(AdoptionLimit.Sample.IGNORED, permits.get(1).failed(), "at most one shrink per spacing");
        assertEquals(AdoptionLimit.Sample.IGNORED, permits.get(0).failed(), "a permit counts once");
        assertEquals(AdoptionLimit.Sample.IGNORED, permits.get(0).settled(false), "a permit counts once");
        permits.subList(2, 4).forEach(AdoptionLimit.Permit::release);
        assertEquals(shrunk, limit.limit());
        assertEquals(0, limit.inflight());
    }
}
