package io.switchboard.session;

import static io.switchboard.session.SessionFlows.awaitState;
import static io.switchboard.session.SessionFlows.awaitStatus;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.session.SessionFlows.scan;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.switchboard.session.store.SessionStore;
import io.switchboard.session.store.Transition;
import io.switchboard.support.Tokens;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * WhatsApp releases a new web version and refuses the old one: connected organizations are cut,
 * meet 405 when they log in again, read the published version and are back without a QR. With
 * the version script unreachable they end in CLIENT_OUTDATED saying why, and come back by
 * themselves once it can be read again.
 */
@QuarkusTest
@TestProfile(WebVersionBumpTest.Profile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebVersionBumpTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.whatsapp.web-version", "2.3000.1029496320",
                    "switchboard.whatsapp.version-recheck-interval", "1s");
        }
    }

    private static final long MINUTE = 60_000;

    @Inject
    SessionStore store;

    @AfterEach
    void restoreSandbox() {
        webVersion(Map.of("minimum", "2.3000.0", "latest", "2.3000.0", "published", true));
    }

    @Test
    @Order(1)
    void aVersionBumpBringsConnectedOrganizationsBackWithoutAQr() throws Exception {
        UUID first = linked("Bump one");
        UUID second = linked("Bump two");
        String firstDevice = SessionFlows.status(first).getString("jid");

        // WhatsApp ships 2.3000.1029496999 and refuses everything older than 2.3000.1029496500.
        // (The announced version only rises within this application, so this test runs first.)
        long bumped = System.currentTimeMillis();
        webVersion(Map.of("minimum", "2.3000.1029496500", "latest", "2.3000.1029496999"));
        for (UUID org : List.of(first, second)) {
            String jid = SessionFlows.status(org).getString("jid");
            awaitStatus(org, s -> "CONNECTED".equals(s.getString("state")) && s.get("lastDisconnect.at") != null
                    && "2.3000.1029496999".equals(sandboxVersionOf(jid)), MINUTE);
            List<Transition> history = store.history(org).await().atMost(Duration.ofSeconds(5));
            List<Transition> after = history.subList(history.size() - 4, history.size());
            assertTrue(history.stream().filter(t -> t.event() == SessionEvent.QR_SHOWN).count() == 1, "one QR, when linking");
            assertTrue(after.stream().noneMatch(t -> t.to() == SessionState.CLIENT_OUTDATED), after::toString);
        }
        System.out.printf("version bump: both organizations connected again %d ms after the bump%n",
                System.currentTimeMillis() - bumped);
        assertEquals(firstDevice, SessionFlows.status(first).getString("jid"), "the same linked device, no new pairing");
        String metrics = as(Tokens.admin()).get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("switchboard_whatsapp_web_version_revision 1.029496999E9"), "announced revision");
        assertTrue(metrics.contains("switchboard_whatsapp_web_version_differs 1.0"), "differs from the configured one");
    }

    @Test
    @Order(2)
    void anUnreachableVersionScriptEndsInClientOutdatedUntilItCanBeReadAgain() throws Exception {
        UUID org = linked("Bump unreachable");
        // A read a few seconds old is reused (a fleet refused at once reads once): let the last one age.
        Thread.sleep(WebVersions.SPACING.toMillis());
        // A release the service cannot learn about: sw.js is withheld.
        webVersion(Map.of("minimum", "2.3000.2000000000", "published", false));
        JsonPath outdated = awaitState(org, "CLIENT_OUTDATED", MINUTE);
        String reason = outdated.getString("lastDisconnect.reason");
        assertEquals(405, outdated.getInt("lastDisconnect.code"));
        assertTrue(reason.contains("refused version 2.3000.") && reason.contains("could not be read from")
                && reason.contains("/sandbox/sw.js") && reason.contains("HTTP 503"), reason);
        assertTrue(outdated.getBoolean("canReconnect"));

        Thread.sleep(3000);
        assertEquals("CLIENT_OUTDATED", SessionFlows.status(org).getString("state"), "stays outdated while unreadable");
        long published = System.currentTimeMillis();
        webVersion(Map.of("published", true));
        awaitState(org, "CONNECTED", MINUTE);
        System.out.printf("version script readable again: connected %d ms later%n", System.currentTimeMillis() - published);
    }

    private static UUID linked(String name) throws InterruptedException {
        UUID org = createOrganization(name);
        scan(qrFrom(org, "init-baileys").getString("qr"), phone());
        awaitState(org, "CONNECTED", 15_000);
        return org;
    }

    private static String sandboxVersionOf(String deviceJid) {
        List<Map<String, Object>> devices = as(Tokens.admin()).get("/sandbox/v1/devices").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return devices.stream().filter(d -> deviceJid.equals(d.get("deviceJid")) && Boolean.TRUE.equals(d.get("online")))
                .map(d -> (String) d.get("version")).findFirst().orElse(null);
    }

    private static void webVersion(Map<String, Object> change) {
        as(Tokens.admin()).body(change).put("/sandbox/v1/web-version").then().statusCode(200);
    }
}
