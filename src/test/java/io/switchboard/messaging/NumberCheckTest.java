package io.switchboard.messaging;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.support.Tokens;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The number check answers WhatsApp's number, not the input: a Brazilian mobile written without
 * its ninth digit is on WhatsApp as the number with it (and its LID); a registered number is itself;
 * an unregistered one is not on WhatsApp. Answers are kept and reused; bad input is a 400.
 */
@QuarkusTest
class NumberCheckTest {

    @Test
    void whatsAppsCanonicalNumberWithItsLid() throws Exception {
        String ours = randomPhone("1611");
        UUID org = linkedOrganization("Number check", ours);
        // A Brazilian mobile (São Paulo, with the ninth digit) and another account, both on the sandbox's WhatsApp.
        String eight = String.valueOf(10_000_000 + (long) (Math.random() * 89_999_999));
        String brazil = "55119" + eight;
        String registered = randomPhone("1612");
        for (String phone : List.of(brazil, registered)) {
            as(Tokens.admin()).body(Map.of("to", ours, "text", "hi")).post("/sandbox/v1/accounts/" + phone + "/messages")
                    .then().statusCode(202);
        }
        String unregistered = randomPhone("1613");
        String check = "/api/v1/organizations/" + org + "/whatsapp/contacts/check";
        JsonPath answer = as(Tokens.admin()).body(Map.of("phones", List.of("+55 11 " + eight.substring(0, 4) + "-" + eight.substring(4),
                registered, "+" + unregistered))).post(check).then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> results = answer.getList("results");
        assertEquals(3, results.size());
        Map<String, Object> written = results.get(0);
        assertEquals("+55 11 " + eight.substring(0, 4) + "-" + eight.substring(4), written.get("input"), "the input as asked");
        assertEquals(true, written.get("exists"));
        assertEquals(brazil, written.get("phone"), "WhatsApp's number, with the ninth digit");
        assertEquals(brazil + "@s.whatsapp.net", written.get("jid"));
        assertTrue(String.valueOf(written.get("lid")).endsWith("@lid"), written.toString());
        assertEquals(true, results.get(1).get("exists"));
        assertEquals(registered, results.get(1).get("phone"));
        assertEquals(false, results.get(2).get("exists"));
        assertNull(results.get(2).get("phone"));
        assertNull(results.get(2).get("lid"));

        // Asked again: the kept answer (the same checkedAt), WhatsApp is not asked.
        JsonPath again = as(Tokens.admin()).body(Map.of("phones", List.of(registered))).post(check).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(results.get(1).get("checkedAt"), again.getString("results[0].checkedAt"));
        assertNotNull(again.getString("results[0].checkedAt"));
    }

    @Test
    void badInputIsA400AndAnOrganizationWithoutWhatsAppA409() {
        UUID org = createOrganization("Number check, not linked");
        String check = "/api/v1/organizations/" + org + "/whatsapp/contacts/check";
        as(Tokens.admin()).body(Map.of("phones", List.of())).post(check).then().statusCode(400).body("reason", equalTo("invalid-body"));
        as(Tokens.admin()).body(Map.of("phones", List.of("12ab"))).post(check).then().statusCode(400)
                .body("reason", equalTo("invalid-body"));
        as(Tokens.admin()).body(Map.of("phones", java.util.Collections.nCopies(51, "15550001111"))).post(check).then().statusCode(400);
        as(Tokens.admin()).body(Map.of("phones", List.of("15550001111"))).post(check).then().statusCode(409)
                .body("reason", equalTo("not-connected"));
        as(Tokens.admin()).body(Map.of("phones", List.of("15550001111"))).post("/api/v1/organizations/" + UUID.randomUUID()
                + "/whatsapp/contacts/check").then().statusCode(404);
    }
}
