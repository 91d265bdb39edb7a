package io.switchboard.session;

import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.session.SessionFlows.status;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.db.Fence;
import io.switchboard.session.store.LeaseStore;
import io.switchboard.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A session is never left held with nothing running. The race seen on a replica: a command
 * (pairing-code while the QR is up) re-claims the connection while the claim's renewal at the
 * old epoch is refused, so the session is fenced off and its client closed under the command.
 * The command must not keep the closed client: the code asked for is shown, and the session
 * runs a client. Also: the holder's own re-claim keeps its epoch, so the renewal is not refused.
 */
@QuarkusTest
class ReclaimAfterFenceTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject
    SessionRegistry registry;

    @Inject
    LeaseStore leases;

    @Inject
    Pool pool;

    @Test
    void aCommandThatReclaimsWhileTheClaimIsLostStillGetsARunningClient() throws Exception {
        UUID org = createOrganization("Re-claimed while fenced");
        qrFrom(org, "init-baileys");
        OrgSession session = registry.find(org).orElseThrow();
        long epoch = session.heldEpoch();
        String phone = phone();

        // Hold the session row so the command's claim waits in the database.
        SqlConnection holder = pool.getConnection().await().atMost(WAIT);
        try {
            Transaction held = holder.begin().await().atMost(WAIT);
            holder.preparedQuery("SELECT 1 FROM whatsapp_session WHERE organization_id = $1 FOR UPDATE")
                    .execute(Tuple.of(org)).await().atMost(WAIT);
            CompletableFuture<Integer> command = CompletableFuture.supplyAsync(() -> as(Tokens.admin())
                    .body(Map.of("phoneNumber", phone)).post(base(org) + "/pairing-code").statusCode());
            await().atMost(WAIT).until(() -> claimWaits(org));
            // Meanwhile the renewal at the old epoch comes back refused: the claim is lost.
            session.fencedOff(epoch, "renewal refused (test)");
            held.rollback().await().atMost(WAIT);
            command.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            holder.close().await().atMost(WAIT);
        }

        await("the code asked for is shown").atMost(WAIT)
                .until(() -> phone.equals(status(org).getString("pairingCode.phoneNumber")));
        await("a client runs").atMost(WAIT).until(session::hasClient);
        assertFalse(session.stuck(), "held, active and nothing running");
        assertEquals("AWAITING_QR", status(org).getString("state"));
    }

    @Test
    void theHoldersOwnReclaimKeepsItsEpoch() {
        UUID org = createOrganization("Claimed twice");
        Fence first = leases.claim(org, "replica-same", Duration.ofSeconds(30)).await().atMost(WAIT).orElseThrow();
        Fence again = leases.claim(org, "replica-same", Duration.ofSeconds(30)).await().atMost(WAIT).orElseThrow();
        assertEquals(first.epoch(), again.epoch(), "a renewal in flight at the first epoch must still succeed");
        assertEquals(java.util.Set.of(org), leases.renew("replica-same", Map.of(org, first.epoch()), Duration.ofSeconds(30))
                .await().atMost(WAIT).renewed());
    }

    private boolean claimWaits(UUID org) {
        return pool.preparedQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                + " AND query LIKE 'INSERT INTO whatsapp_session%'").execute().await().atMost(WAIT)
                .iterator().next().getLong(0) > 0;
    }
}
