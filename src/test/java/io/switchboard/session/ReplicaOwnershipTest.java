package io.switchboard.session;

import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.session.SessionFlows.scan;
import static io.switchboard.session.SessionFlows.status;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A connection another replica holds is not touched here: commands get 409, status reads the database. */
@QuarkusTest
class ReplicaOwnershipTest {

    @Inject
    SessionSupervisor supervisor;

    @Inject
    Pool pool;

    @Test
    void commandsForAConnectionHeldElsewhereAreRefused() throws Exception {
        UUID org = createOrganization("Elsewhere");
        scan(qrFrom(org, "init-baileys").getString("qr"), phone());
        SessionFlows.awaitState(org, "CONNECTED", 10_000);
        // Hand the connection to another (live) replica: this one lets go, the other holds a lease.
        supervisor.shutdownAll().await().atMost(Duration.ofSeconds(10));
        pool.preparedQuery("UPDATE whatsapp_session SET owner = 'replica-other', lease_until = now() + interval '1 minute'"
                + " WHERE organization_id = $1").execute(Tuple.of(org)).await().atMost(Duration.ofSeconds(5));

        as(Tokens.admin()).post(base(org) + "/reconnect").then().statusCode(200);
        as(Tokens.admin()).post(base(org) + "/init-baileys").then().statusCode(400)
                .body("reason", equalTo("already-connected"));
        as(Tokens.admin()).delete(base(org) + "/disconnect").then().statusCode(409)
                .contentType("application/problem+json").body("reason", equalTo("owned-by-another-replica"));
        assertEquals("CONNECTED", status(org).getString("state"), "the other replica's state is untouched");
        Thread.sleep(1500);
        assertEquals(false, supervisor.runsClient(org), "no second client for a connection held elsewhere");
    }
}
