package io.switchboard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The adoption limit follows what it is told: it grows on prompt logins, shrinks under overload, stays under its ceiling. */
class AdoptionLimitTest {

    private final AtomicLong loopDelayNanos = new AtomicLong();
    private final AtomicBoolean renewalsLag = new AtomicBoolean();

    private AdoptionLimit limit(int ceiling) {
        return new AdoptionLimit(ceiling, Duration.ofSeconds(10), Duration.ofMillis(100), loopDelayNanos::get, renewalsLag::get);
    }

    /** Fills the limit and settles every login as told; answers the limit after. */
    private static int round(AdoptionLimit limit, boolean loggedIn) {
        List<AdoptionLimit.Permit> permits = limit.acquire(limit.room());
        permits.forEach(permit -> permit.settled(loggedIn));
        return limit.limit();
    }

    @Test
    void promptLoginsGrowTheLimitUpToItsCeilingOnly() {
        AdoptionLimit limit = limit(1_000_000);
        assertEquals(AdoptionLimit.INITIAL, limit.limit());
        assertEquals(AdoptionLimit.INITIAL, limit.acquire(100).size(), "no more permits than the limit");
        AdoptionLimit fresh = limit(1_000_000);
        for (int i = 0; i < 5; i++) {
            round(fresh, true);
        }
        assertTrue(fresh.limit() > 4 * AdoptionLimit.INITIAL, "grew with prompt logins: " + fresh.limit());
        AdoptionLimit capped = limit(40);
        for (int i = 0; i < 10; i++) {
            round(capped, true);
        }
        assertEquals(40, capped.limit());
    }

    @Test
    void aLateEventLoopOrLateRenewalsShrinkIt() {
        AdoptionLimit limit = limit(1_000_000);
        for (int i = 0; i < 5; i++) {
            round(limit, true);
        }
        int grown = limit.limit();
        loopDelayNanos.set(Duration.ofMillis(300).toNanos());
        List<AdoptionLimit.Permit> permits = limit.acquire(4);
        permits.forEach(permit -> assertEquals(AdoptionLimit.Sample.SHRINK, permit.settled(true)));
        assertTrue(limit.limit() < grown * 0.7, grown + " → " + limit.limit());
        loopDelayNanos.set(0);
        renewalsLag.set(true);
        int before = limit.limit();
        assertEquals(AdoptionLimit.Sample.SHRINK, limit.acquire(1).get(0).settled(true));
        assertTrue(limit.limit() < before);
        for (int i = 0; i < 100; i++) {
            limit.acquire(1).get(0).settled(false);
        }
        assertEquals(AdoptionLimit.MIN, limit.limit(), "the floor");
    }

    @Test
    void aSlowFailureShrinksIt() throws InterruptedException {
        AdoptionLimit limit = new AdoptionLimit(1_000_000, Duration.ofMillis(20), Duration.ofMillis(100), loopDelayNanos::get,
                renewalsLag::get);
        AdoptionLimit.Permit permit = limit.acquire(1).get(0);
        Thread.sleep(30);
        assertEquals(AdoptionLimit.Sample.SHRINK, permit.settled(false));
        assertEquals((int) (AdoptionLimit.INITIAL * AdoptionLimit.BACKOFF), limit.limit());
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
}
