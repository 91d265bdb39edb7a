package io.switchboard.session;

import static org.awaitility.Awaitility.await;
import static io.switchboard.session.SessionFlows.awaitState;
import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.session.SessionFlows.scan;
import static io.switchboard.session.SessionFlows.status;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.session.store.RemovalStore;
import io.switchboard.support.Tokens;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Forgetting a linked device whose socket is down (here: replaced, so no client runs) still
 * tells WhatsApp: the device leaves the user's phone instead of lingering as a ghost.
 */
@QuarkusTest
class NoGhostDevicesTest {

    @Inject
    RemovalStore removals;

    @Inject
    SessionSupervisor supervisor;

    @Test
    void linkingAgainOverADeviceThatIsNotConnectedUnlinksIt() throws Exception {
        UUID org = createOrganization("Relinked");
        String oldDevice = linked(org);
        as(Tokens.admin()).post(base(org) + "/init-baileys").then().statusCode(200);
        awaitGone(oldDevice);
    }

    @Test
    void disconnectingADeviceThatIsNotConnectedUnlinksIt() throws Exception {
        UUID org = createOrganization("Disconnected offline");
        String oldDevice = linked(org);
        as(Tokens.admin()).delete(base(org) + "/disconnect").then().statusCode(200);
        assertEquals("DISCONNECTED", status(org).getString("state"));
        awaitGone(oldDevice);
        assertEquals(0, supervisor.stuckSessions());
    }

    /** A linked device whose connection another client replaced: credentials stored, no client running. */
    private static String linked(UUID org) throws Exception {
        scan(qrFrom(org, "init-baileys").getString("qr"), phone());
        awaitState(org, "CONNECTED", 10_000);
        String jid = status(org).getString("jid");
        as(Tokens.admin()).body("{\"code\": 440}").post("/sandbox/v1/devices/" + jid + "/disconnect").then().statusCode(204);
        awaitState(org, "REPLACED", 10_000);
        return jid;
    }

    private void awaitGone(String jid) throws InterruptedException {
        await(jid + " is unlinked, not left a ghost device").atMost(Duration.ofSeconds(20))
                .until(() -> !as(Tokens.admin()).get("/sandbox/v1/devices").then().extract().jsonPath().getList("deviceJid").contains(jid));
        await("the removal leaves the queue once WhatsApp confirmed").atMost(Duration.ofSeconds(5))
                .until(() -> removals.pending().await().atMost(Duration.ofSeconds(5)) == 0);
    }
}
