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
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.session.store.SessionStore;
import io.switchboard.session.store.Transition;
import io.switchboard.support.Tokens;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The seed's lifecycle API over REST, with the sandbox as WhatsApp and the real PostgreSQL. */
@QuarkusTest
class WhatsAppSessionTest {

    @Inject
    SessionSupervisor supervisor;

    @Inject
    SessionStore store;

    private static String linkAndConnect(UUID org, String path, String phone) throws Exception {
        long start = System.nanoTime();
        JsonPath qr = qrFrom(org, path);
        long qrMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(true, qr.getBoolean("success"));
        assertEquals(qr.getString("qr"), decodeQr(qr.getString("qrCode")), "the PNG reads back as the QR text");
        assertNotNull(qr.getString("expiresAt"));
        long scanned = System.nanoTime();
        String deviceJid = scan(qr.getString("qr"), phone).getString("deviceJid");
        JsonPath connected = awaitState(org, "CONNECTED", 10_000);
        long connectMillis = (System.nanoTime() - scanned) / 1_000_000;
        System.out.printf("timing: %s → QR %d ms; scan → connected %d ms%n", path, qrMillis, connectMillis);
        assertEquals(deviceJid, connected.getString("jid"));
        assertEquals(phone, connected.getString("phoneNumber"));
        assertEquals("connected", connected.getString("connectionStatus"));
        assertTrue(connected.getBoolean("isConnected"));
        return qr.getString("qr");
    }

    static String decodeQr(String dataUri) throws Exception {
        return QrImageTest.read(dataUri, QrImage.SIZE);
    }

    @Test
    void seedScenarioDisconnectThenLinkAgain() throws Exception {
        UUID org = createOrganization("Seed");
        String phone = phone();
        String firstQr = linkAndConnect(org, "init-baileys", phone);

        as(Tokens.admin()).post(base(org) + "/init-baileys").then().statusCode(400)
                .contentType("application/problem+json").body("reason", equalTo("already-connected"))
                .body("success", equalTo(false)).body("message", notNullValue());

        as(Tokens.admin()).delete(base(org) + "/disconnect").then().statusCode(200).body("success", equalTo(true));
        JsonPath after = status(org);
        assertEquals("DISCONNECTED", after.getString("state"));
        assertEquals("disconnected", after.getString("connectionStatus"));
        assertTrue(after.getBoolean("canReconnect"));
        assertTrue(after.getBoolean("isDisconnected"));
        assertTrue(store.credentials(org).await().atMost(Duration.ofSeconds(5)).isEmpty(), "credentials wiped");
        as(Tokens.admin()).delete(base(org) + "/disconnect").then().statusCode(200);
        as(Tokens.admin()).get(base(org) + "/qrcode").then().statusCode(400)
                .body("reason", equalTo("no-linking-in-progress"));

        String secondQr = linkAndConnect(org, "reconnect", phone);
        assertNotEquals(firstQr, secondQr, "a new QR after a disconnect");

        await("uploaded pre-keys are stored with the credentials").atMost(Duration.ofSeconds(5))
                .until(() -> !store.credentials(org).await().atMost(Duration.ofSeconds(5)).orElseThrow().preKeys().isEmpty());
        List<Transition> history = store.history(org).await().atMost(Duration.ofSeconds(5));
        assertEquals(SessionState.DISCONNECTED, history.get(0).from());
        assertTrue(history.stream().anyMatch(t -> t.event() == SessionEvent.DISCONNECT_REQUESTED));
        assertEquals(SessionState.CONNECTED, history.get(history.size() - 1).to());
    }

    @Test
    void restartResumesWithoutQr() throws Exception {
        UUID org = createOrganization("Restart");
        linkAndConnect(org, "init-baileys", phone());
        supervisor.shutdownAll().await().atMost(Duration.ofSeconds(10));
        assertFalse(supervisor.runsClient(org));
        supervisor.adoptNow();
        JsonPath resumed = SessionFlows.awaitStatus(org, s -> loggedInAfterAdoption(org), 15_000);
        assertNotNull(resumed.getString("jid"));
        as(Tokens.admin()).get(base(org) + "/qrcode").then().statusCode(400).body("reason", equalTo("already-connected"));
    }

    @Test
    void aConnectionNoReplicaHoldsIsAdopted() throws Exception {
        UUID org = createOrganization("Orphan");
        linkAndConnect(org, "init-baileys", phone());
        String jid = status(org).getString("jid");
        // As if the owning replica died: its client is gone and it holds no lease.
        supervisor.shutdownAll().await().atMost(Duration.ofSeconds(10));
        long orphaned = System.nanoTime();
        JsonPath adopted = SessionFlows.awaitStatus(org, s -> loggedInAfterAdoption(org), 15_000);
        System.out.printf("timing: orphaned connection adopted in %d ms%n", (System.nanoTime() - orphaned) / 1_000_000);
        assertEquals(jid, adopted.getString("jid"));
    }

    @Test
    void sandboxLogoutWipesCredentialsAndReconnectGivesAQr() throws Exception {
        UUID org = createOrganization("Logged out");
        linkAndConnect(org, "init-baileys", phone());
        String jid = status(org).getString("jid");
        as(Tokens.admin()).body("{\"code\": 401}").post("/sandbox/v1/devices/" + jid + "/disconnect").then().statusCode(204);
        JsonPath loggedOut = awaitState(org, "LOGGED_OUT", 10_000);
        assertEquals(401, loggedOut.getInt("lastDisconnect.code"));
        assertTrue(loggedOut.getBoolean("canReconnect"));
        assertTrue(store.credentials(org).await().atMost(Duration.ofSeconds(5)).isEmpty());
        JsonPath qr = qrFrom(org, "reconnect");
        assertNotNull(qr.getString("qr"));
    }

    @Test
    void replacedStopsWithoutALoop() throws Exception {
        UUID org = createOrganization("Replaced");
        linkAndConnect(org, "init-baileys", phone());
        String jid = status(org).getString("jid");
        as(Tokens.admin()).body("{\"code\": 440}").post("/sandbox/v1/devices/" + jid + "/disconnect").then().statusCode(204);
        awaitState(org, "REPLACED", 10_000);
        int transitions = store.history(org).await().atMost(Duration.ofSeconds(5)).size();
        Thread.sleep(3000);
        assertEquals("REPLACED", status(org).getString("state"));
        assertEquals(transitions, store.history(org).await().atMost(Duration.ofSeconds(5)).size(), "no reconnect loop");
        assertTrue(status(org).getBoolean("canReconnect"));
    }

    @Test
    void droppedConnectionComesBackByItself() throws Exception {
        UUID org = createOrganization("Dropped");
        linkAndConnect(org, "init-baileys", phone());
        String jid = status(org).getString("jid");
        long dropped = System.nanoTime();
        as(Tokens.admin()).post("/sandbox/v1/devices/" + jid + "/drop").then().statusCode(204);
        awaitState(org, "RECONNECTING", 10_000);
        JsonPath back = awaitState(org, "CONNECTED", 10_000);
        System.out.printf("timing: drop → connected again %d ms%n", (System.nanoTime() - dropped) / 1_000_000);
        assertEquals(jid, back.getString("jid"));
        assertEquals(0, back.getInt("reconnectAttempts"));
        assertTrue(store.history(org).await().atMost(Duration.ofSeconds(5)).stream()
                .anyMatch(t -> t.event() == SessionEvent.CONNECTION_LOST));
    }

    @Test
    void deletingAnOrganizationUnlinksItsDevice() throws Exception {
        UUID org = createOrganization("Deleted");
        linkAndConnect(org, "init-baileys", phone());
        String jid = status(org).getString("jid");
        as(Tokens.admin()).delete("/api/v1/organizations/" + org).then().statusCode(204);
        await("the device is unlinked once the organization is deleted").atMost(Duration.ofSeconds(10))
                .until(() -> !as(Tokens.admin()).get("/sandbox/v1/devices").then().extract().jsonPath().getList("deviceJid").contains(jid));
        assertFalse(supervisor.runsClient(org));
        as(Tokens.admin()).get(base(org) + "/status").then().statusCode(404);
    }

    @Test
    void restartAskedWhileConnectedIsAStoredTransition() throws Exception {
        UUID org = createOrganization("Restart 515");
        linkAndConnect(org, "init-baileys", phone());
        String jid = status(org).getString("jid");
        as(Tokens.admin()).body("{\"code\": 515}").post("/sandbox/v1/devices/" + jid + "/disconnect").then().statusCode(204);
        List<Transition> history = await("a stored restart, then a login").atMost(Duration.ofSeconds(10))
                .until(() -> store.history(org).await().atMost(Duration.ofSeconds(5)), h -> h.get(h.size() - 1).event() == SessionEvent.LOGGED_IN
                        && h.stream().anyMatch(t -> t.event() == SessionEvent.RESTART_REQUIRED && t.from() == SessionState.CONNECTED));
        Transition restart = history.stream().filter(t -> t.event() == SessionEvent.RESTART_REQUIRED
                && t.from() == SessionState.CONNECTED).findFirst().orElseThrow();
        assertEquals(SessionState.CONNECTING, restart.to());
        assertEquals(515, restart.code());
        assertEquals("CONNECTED", status(org).getString("state"));
    }

    /** The last stored step is a login that followed an adoption. */
    private boolean loggedInAfterAdoption(UUID org) {
        List<Transition> history = store.history(org).await().atMost(Duration.ofSeconds(5));
        return history.get(history.size() - 1).event() == SessionEvent.LOGGED_IN
                && history.stream().anyMatch(t -> t.reason() != null && t.reason().startsWith("adopted"));
    }

    @AfterEach
    void nothingIsStuck() {
        assertEquals(0, supervisor.stuckSessions(), "sessions active with no client, no timer and no task");
    }

    @Test
    void statusOfANewOrganizationIsDisconnected() {
        UUID org = createOrganization("Fresh");
        JsonPath fresh = status(org);
        assertEquals("DISCONNECTED", fresh.getString("state"));
        assertEquals("baileys", fresh.getString("authType"));
        assertTrue(fresh.getBoolean("canReconnect"));
        assertNull(fresh.get("jid"));
        assertFalse(fresh.getBoolean("isConnected"));
    }
}
