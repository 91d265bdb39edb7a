package io.switchboard.session;

import static org.awaitility.Awaitility.await;
import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.session.SessionFlows.scan;
import static io.switchboard.session.SessionFlows.status;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A connection another replica claimed (a newer epoch) is given up here at once, and never
 * touched again: reads answer from the database, a command waits for the owner and, when the
 * owner never answers, ends in 503 with nothing changed.
 */
@QuarkusTest
class ReplicaOwnershipTest {

    @Inject
    SessionSupervisor supervisor;

    @Inject
    Pool pool;

    @Test
    void aConnectionClaimedElsewhereIsLeftAlone() throws Exception {
        UUID org = createOrganization("Elsewhere");
        scan(qrFrom(org, "init-baileys").getString("qr"), phone());
        SessionFlows.awaitState(org, "CONNECTED", 10_000);
        assertTrue(supervisor.runsClient(org));
        // Another replica, alive but deaf (as in a long pause), claims the connection with a newer epoch.
        pool.preparedQuery("UPDATE whatsapp_session SET owner = 'replica-other', epoch = epoch + 1,"
                + " lease_until = now() + interval '1 minute' WHERE organization_id = $1").execute(Tuple.of(org))
                .await().atMost(Duration.ofSeconds(5));
        await("the fenced-off client stops").atMost(Duration.ofSeconds(5)).until(() -> !supervisor.runsClient(org));

        as(Tokens.admin()).post(base(org) + "/reconnect").then().statusCode(200).body("state", equalTo("CONNECTED"));
        as(Tokens.admin()).post(base(org) + "/init-baileys").then().statusCode(400)
                .body("reason", equalTo("already-connected"));
        long sent = System.nanoTime();
        as(Tokens.admin()).delete(base(org) + "/disconnect").then().statusCode(503)
                .contentType("application/problem+json").body("reason", equalTo("owner-unavailable"));
        long waited = (System.nanoTime() - sent) / 1_000_000;
        assertTrue(waited < 6000, "bounded by command-timeout, waited " + waited + " ms");
        assertEquals("CONNECTED", status(org).getString("state"), "the other replica's state is untouched");
        await("no second client for a connection held elsewhere").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                .until(() -> !supervisor.runsClient(org));
        Long pending = pool.preparedQuery("SELECT count(*) FROM whatsapp_command WHERE organization_id = $1 AND picked_at IS NULL")
                .execute(Tuple.of(org)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
        assertEquals(0L, pending, "a command nobody picked is withdrawn, so it can never run late");
        assertEquals(0, supervisor.stuckSessions());
    }
}
