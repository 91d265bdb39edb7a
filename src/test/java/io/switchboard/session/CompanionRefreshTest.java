package io.switchboard.session;

import static org.awaitility.Awaitility.await;
import static io.switchboard.session.SessionFlows.awaitState;
import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.session.SessionFlows.scan;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.sandbox.admin.SandboxMount;
import io.switchboard.support.Tokens;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * WhatsApp asks an unpaired device for a new advertising secret (companion_reg_refresh) while its
 * QR is on show: the QR is redrawn (same ref, new secret), the linking goes on, and a scan of the
 * redrawn QR links the device. The phone signs pair-success with the secret of the QR it scanned,
 * so a client that redrew the QR but kept the old secret would fail here.
 */
@QuarkusTest
@TestProfile(CompanionRefreshTest.Profile.class)
class CompanionRefreshTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.sandbox.companion-refresh-after", "1500ms");
        }
    }

    @Inject
    SandboxMount sandbox;

    @Test
    void aRefreshDuringLinkingRedrawsTheQrAndTheRedrawnOneLinks() throws Exception {
        UUID org = createOrganization("Refreshed");
        String before = qrFrom(org, "init-baileys").getString("qr");
        String after = await("the QR is redrawn").atMost(Duration.ofSeconds(10)).until(() -> as(Tokens.admin())
                .get(base(org) + "/qrcode").then().statusCode(200).extract().jsonPath().getString("qr"), qr -> !qr.equals(before));
        assertTrue(sandbox.server().orElseThrow().observations().companionRefreshes() >= 1, "the sandbox sent a refresh");
        assertNotEquals(before, after, "the QR was redrawn");
        String[] old = fields(before);
        String[] redrawn = fields(after);
        assertEquals(old[0], redrawn[0], "same ref: the linking was not restarted");
        assertEquals(old[1] + old[2], redrawn[1] + redrawn[2], "same keys");
        assertNotEquals(old[3], redrawn[3], "a new advertising secret");
        assertEquals("AWAITING_QR", SessionFlows.status(org).getString("state"));

        String phone = phone();
        scan(after, phone);
        assertEquals(phone, awaitState(org, "CONNECTED", 15_000).getString("phoneNumber"));
    }

    private static String[] fields(String qr) {
        return qr.substring(qr.indexOf('#') + 1).split(",");
    }
}
