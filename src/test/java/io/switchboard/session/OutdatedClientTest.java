package io.switchboard.session;

import static io.switchboard.session.SessionFlows.awaitState;
import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.switchboard.support.Tokens;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A WhatsApp Web version older than the sandbox accepts → 405 → CLIENT_OUTDATED, surfaced. */
@QuarkusTest
@TestProfile(OutdatedClientTest.OldVersion.class)
class OutdatedClientTest {

    public static class OldVersion implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.whatsapp.web-version", "2.2412.54");
        }
    }

    @Test
    void outdatedVersionIsAState() throws Exception {
        UUID org = createOrganization("Old client");
        as(Tokens.admin()).post(base(org) + "/init-baileys");
        JsonPath status = awaitState(org, "CLIENT_OUTDATED", 10_000);
        assertEquals(405, status.getInt("lastDisconnect.code"));
        assertTrue(status.getBoolean("canReconnect"));
        as(Tokens.admin()).get(base(org) + "/qrcode").then().statusCode(400).body("reason", equalTo("client-outdated"));
    }
}
