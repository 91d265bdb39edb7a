package io.switchboard.session;

import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * One session's row locked by a transaction for longer than a claim is trusted (the test lease is
 * 3 s: renewed every second, trusted for 2 s) holds up no other session's renewal: the other keeps
 * its claim at the same epoch all along, and the renewals counted the locked one as busy. (When
 * the renewal waited for row locks, every session of the replica lost its claim behind the one.)
 */
@QuarkusTest
class BusyRenewalTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject
    SessionRegistry registry;

    @Inject
    Pool pool;

    @Inject
    MeterRegistry metrics;

    @Test
    void aLockedRowHoldsUpNoOtherRenewal() throws Exception {
        UUID locked = createOrganization("Row locked for a while");
        UUID other = createOrganization("Renewed meanwhile");
        qrFrom(locked, "init-baileys");
        qrFrom(other, "init-baileys");
        OrgSession bystander = registry.find(other).orElseThrow();
        long epoch = bystander.heldEpoch();
        assertTrue(epoch >= 0, "the other session is held");
        double busyBefore = busy();

        SqlConnection holder = pool.getConnection().await().atMost(WAIT);
        try {
            Transaction held = holder.begin().await().atMost(WAIT);
            holder.preparedQuery("SELECT 1 FROM whatsapp_session WHERE organization_id = $1 FOR UPDATE")
                    .execute(Tuple.of(locked)).await().atMost(WAIT);
            long until = System.nanoTime() + Duration.ofMillis(3500).toNanos();
            while (System.nanoTime() < until) {
                assertEquals(epoch, bystander.heldEpoch(), "the other session kept its claim while the row was locked");
                Thread.sleep(100);
            }
            held.rollback().await().atMost(WAIT);
        } finally {
            holder.close().await().atMost(WAIT);
        }
        assertEquals(epoch, bystander.heldEpoch());
        assertTrue(busy() > busyBefore, "the renewals found the locked row busy");
    }

    private double busy() {
        io.micrometer.core.instrument.Counter counter = metrics.find("switchboard.lease.renewals.busy").counter();
        return counter == null ? 0 : counter.count();
    }
}
