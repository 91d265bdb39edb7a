package io.switchboard.session;

import static org.awaitility.Awaitility.await;
import static io.switchboard.session.SessionFlows.awaitState;
import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.status;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.switchboard.support.Tokens;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Linking by phone-number code over REST: the code comes back (202 while the connection comes
 * up), shows in the status, a wrong code typed on the phone fails and can be retried, the right
 * one links; bad numbers are 400s and a connected organization is refused like init.
 */
@QuarkusTest
class PairingCodeTest {

    @Test
    void anOrganizationLinksWithACodeTypedOnThePhone() throws Exception {
        UUID org = createOrganization("Linked by code");
        String phone = phone();
        JsonPath answer = pairingCode(org, "+" + phone);
        String code = answer.getString("code");
        assertTrue(code.matches("[1-9A-HJ-NP-TV-Z]{4}-[1-9A-HJ-NP-TV-Z]{4}"), code);
        assertTrue(Instant.parse(answer.getString("expiresAt")).isAfter(Instant.now()));
        assertEquals(code, status(org).getString("pairingCode.code"), "the code shows in the status");
        assertEquals(code, pairingCode(org, phone).getString("code"), "asking again for the same phone keeps the code");

        String alphabet = "123456789ABCDEFGHJKLMNPQRSTVWXYZ";
        String wrong = alphabet.charAt((alphabet.indexOf(code.charAt(0)) + 1) % alphabet.length()) + code.substring(1);
        Response refused = as(Tokens.admin()).body(Map.of("phone", phone, "code", wrong)).post("/sandbox/v1/pair-code");
        assertEquals(409, refused.statusCode(), refused.asString());
        assertEquals("pairing-failed", refused.jsonPath().getString("reason"));
        assertEquals("AWAITING_QR", status(org).getString("state"), "a wrong code leaves the linking open");

        JsonPath linked = as(Tokens.admin()).body(Map.of("phone", phone, "code", code)).post("/sandbox/v1/pair-code")
                .then().statusCode(200).extract().jsonPath();
        assertTrue(linked.getString("deviceJid").startsWith(phone + ":"));
        JsonPath connected = awaitState(org, "CONNECTED", 15_000);
        assertEquals(phone, connected.getString("phoneNumber"));
        assertTrue(connected.get("pairingCode") == null, "no code once linked");

        as(Tokens.admin()).body(Map.of("phoneNumber", phone)).post(base(org) + "/pairing-code")
                .then().statusCode(400).body("reason", equalTo("already-connected"));
    }

    @Test
    void badPhoneNumbersAreRefusedByName() {
        UUID org = createOrganization("Bad numbers");
        for (Object bad : new Object[] {"", "abc", "+0123456789", "12345", "1234567890123456", "+1 555 1234567"}) {
            as(Tokens.admin()).body(Map.of("phoneNumber", bad)).post(base(org) + "/pairing-code")
                    .then().statusCode(400).contentType("application/problem+json").body("reason", equalTo("invalid-body"));
        }
        as(Tokens.admin()).body(Map.of()).post(base(org) + "/pairing-code").then().statusCode(400);
    }

    /** POST pairing-code, following 202s until the code. */
    private static JsonPath pairingCode(UUID org, String phoneNumber) throws InterruptedException {
        Response response = await("a pairing code").atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(200)).until(() -> as(Tokens.admin()).body(Map.of("phoneNumber", phoneNumber))
                        .post(base(org) + "/pairing-code"), r -> r.statusCode() != 202);
        assertEquals(200, response.statusCode(), response.asString());
        return response.jsonPath();
    }
}
