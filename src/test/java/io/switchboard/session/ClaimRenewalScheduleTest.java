package io.switchboard.session;

import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Each claim is renewed on its own schedule, a third of the lease after its last renewal or claim
 * statement went out, the most urgent first, not at the next period of a pass over every claim (a
 * claim adopted in a large batch used to wait a period plus a pass, past its trust, and was stood
 * down). The test lease is 3 s: a claim is trusted for 2 s and due 1 s after its statement.
 */
@QuarkusTest
class ClaimRenewalScheduleTest {

    private static final long MILLIS = 1_000_000L;

    @Inject
    SessionRegistry registry;

    @Inject
    LeaseKeeper keeper;

    @Inject
    MeterRegistry metrics;

    @Test
    void theClaimWithLeastTrustLeftIsDueFirstAndAFreshOneIsNotDue() throws Exception {
        OrgSession fresh = held(createOrganization("Renewed just now"));
        OrgSession urgent = held(createOrganization("Trust almost gone"));
        OrgSession older = held(createOrganization("Trust half gone"));
        long now = System.nanoTime();
        long trust = registry.context().trustNanos();
        fresh.trustedUntil = now + trust;
        urgent.trustedUntil = now + 200 * MILLIS;
        older.trustedUntil = now + 700 * MILLIS;

        List<UUID> due = keeper.due(now).stream().map(LeaseKeeper.Claim::id).toList();
        assertFalse(due.contains(fresh.id), "a claim renewed just now is not due");
        assertTrue(due.indexOf(urgent.id) >= 0 && due.indexOf(urgent.id) < due.indexOf(older.id),
                "both are due, the one with less trust left first: " + due);
    }

    @Test
    void aClaimWithLittleTrustLeftIsRenewedBeforeItRunsOut() throws Exception {
        OrgSession session = held(createOrganization("Adopted a while ago"));
        long epoch = session.heldEpoch();
        // As if its adopt statement had gone out 1.55 s ago and it had never been renewed since.
        long left = System.nanoTime() + 450 * MILLIS;
        session.trustedUntil = left;
        long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
        boolean renewed = false;
        while (System.nanoTime() < until) {
            assertEquals(epoch, session.heldEpoch(), "the claim was kept");
            renewed |= session.trustedUntil - left > 0;
            Thread.sleep(50);
        }
        assertTrue(renewed, "the claim was renewed");
        assertTrue(metrics.find("switchboard.lease.claim.age").timer().count() > 0, "claim ages are measured");
    }

    private OrgSession held(UUID organizationId) throws Exception {
        qrFrom(organizationId, "init-baileys");
        OrgSession session = registry.find(organizationId).orElseThrow();
        assertTrue(session.heldEpoch() >= 0, "the session is held");
        return session;
    }
}
