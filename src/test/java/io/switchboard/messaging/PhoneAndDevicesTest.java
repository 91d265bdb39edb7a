package io.switchboard.messaging;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.protocol.client.InboundMessage;
import io.switchboard.session.store.MessageStore;
import io.switchboard.support.Tokens;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every device of an account gets a 1:1 message: two organizations linked as companions of two
 * phones. A text from organization A reaches B's phone (device 0) and B itself (device 1), and A's
 * own phone gets the deviceSentMessage copy naming the chat; a text typed on B's phone reaches A,
 * and B gets the copy. The sandbox's phones decrypt with their own sessions and check padding and
 * protobuf themselves; their delivery receipts move A's text to delivered, and A's own delivery
 * receipt reaches B's phone for the text B's phone typed.
 */
@QuarkusTest
class PhoneAndDevicesTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject
    MessageStore messages;

    @Test
    void phoneAndCompanionsReceiveTextsAndCopies() throws Exception {
        String phoneA = randomPhone("1556");
        String phoneB = randomPhone("1559");
        UUID orgA = linkedOrganization("Phone test A", phoneA);
        UUID orgB = linkedOrganization("Phone test B", phoneB);
        String id = as(Tokens.admin()).body(Map.of("to", phoneB, "text", "to every device of B"))
                .post("/api/v1/organizations/" + orgA + "/whatsapp/messages").then().statusCode(202).extract().path("whatsappId");

        await("B's phone reads the text").atMost(WAIT).until(() -> received(phoneB).stream().anyMatch(m -> id.equals(m.get("id"))));
        Map<String, Object> onPhone = received(phoneB).stream().filter(m -> id.equals(m.get("id"))).findFirst().orElseThrow();
        assertNull(onPhone.get("problem"), "B's phone found nothing wrong: " + onPhone);
        assertEquals("to every device of B", onPhone.get("text"));
        assertEquals(phoneA + "@s.whatsapp.net", onPhone.get("chat"));
        assertTrue(((String) onPhone.get("from")).startsWith(phoneA + ":"), "from A's companion device: " + onPhone);

        await("B's companion stores the text").atMost(WAIT).until(() -> inbound(orgB).stream().anyMatch(m -> m.id().equals(id)));
        InboundMessage onB = inbound(orgB).stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
        assertEquals("to every device of B", onB.text());
        assertEquals(phoneA + "@s.whatsapp.net", onB.chat());

        // A learned B's LID from the device list; B learned A's from the LID-addressed message's sender_pn.
        assertEquals(phoneB, messages.phoneOfLid(orgA, lidUser(phoneB)).await().atMost(Duration.ofSeconds(5)));
        assertEquals(phoneA, messages.phoneOfLid(orgB, lidUser(phoneA)).await().atMost(Duration.ofSeconds(5)));

        await("A's phone gets the copy").atMost(WAIT).until(() -> received(phoneA).stream().anyMatch(m -> id.equals(m.get("id"))));
        Map<String, Object> copy = received(phoneA).stream().filter(m -> id.equals(m.get("id"))).findFirst().orElseThrow();
        assertNull(copy.get("problem"), "A's phone found nothing wrong in the copy: " + copy);
        assertEquals("to every device of B", copy.get("text"));
        assertEquals(phoneB + "@s.whatsapp.net", copy.get("chat"), "the copy names the chat it was written in");
        await("A stores B's delivery").atMost(WAIT).until(() -> "delivered".equals(as(Tokens.admin())
                .get("/api/v1/organizations/" + orgA + "/whatsapp/messages?direction=out").then().statusCode(200).extract()
                .jsonPath().getString("items.find { it.whatsappId == '" + id + "' }.status")));

        String typed = as(Tokens.admin()).body(Map.of("to", phoneA, "text", "typed on B's phone"))
                .post("/sandbox/v1/accounts/" + phoneB + "/messages").then().statusCode(202).extract().path("id");
        await("A stores the phone's text").atMost(WAIT).until(() -> inbound(orgA).stream().anyMatch(m -> m.id().equals(typed)));
        InboundMessage fromPhone = inbound(orgA).stream().filter(m -> m.id().equals(typed)).findFirst().orElseThrow();
        assertEquals("typed on B's phone", fromPhone.text());
        assertEquals(phoneB + "@s.whatsapp.net", fromPhone.sender(), "sent by B's phone, device 0");
        assertEquals(phoneB + "@s.whatsapp.net", fromPhone.chat());
        await("B's companion stores the copy").atMost(WAIT).until(() -> inbound(orgB).stream().anyMatch(m -> m.id().equals(typed)));
        InboundMessage ownCopy = inbound(orgB).stream().filter(m -> m.id().equals(typed)).findFirst().orElseThrow();
        assertEquals(phoneA + "@s.whatsapp.net", ownCopy.chat(), "B's own copy belongs to the chat with A");
        await("B's phone hears A's delivery receipt").atMost(WAIT).until(() -> sent(phoneB).stream()
                .anyMatch(s -> typed.equals(s.get("id"))
                && ((List<?>) s.get("receipts")).stream().anyMatch(r -> r.toString().contains(phoneA + ":"))));
    }

    @Test
    void thePhoneAdminApiRefusesBadRequests() {
        as(Tokens.admin()).body(Map.of("to", "123", "text", "x")).post("/sandbox/v1/accounts/15550001111/messages")
                .then().statusCode(400).contentType("application/problem+json");
        as(Tokens.admin()).body(Map.of("to", "15550009999999", "text", "x")).post("/sandbox/v1/accounts/15550001111/messages")
                .then().statusCode(404).contentType("application/problem+json");
        as(Tokens.admin()).body(Map.of("to", "15550001111")).post("/sandbox/v1/accounts/15550001111/messages")
                .then().statusCode(400);
        as(Tokens.member(UUID.randomUUID())).body(Map.of("to", "15550001111", "text", "x"))
                .post("/sandbox/v1/accounts/15550001111/messages").then().statusCode(403);
    }

    private List<Map<String, Object>> received(String phone) {
        return as(Tokens.admin()).get("/sandbox/v1/accounts/" + phone + "/messages").then().statusCode(200)
                .extract().jsonPath().getList("received");
    }

    private static String lidUser(String phone) {
        List<Map<String, Object>> devices = as(Tokens.admin()).get("/sandbox/v1/devices").then().extract().jsonPath().getList("$");
        String lid = devices.stream().filter(d -> phone.equals(d.get("phone"))).map(d -> (String) d.get("lid")).findFirst().orElseThrow();
        return lid.substring(0, lid.indexOf(':'));
    }

    private List<Map<String, Object>> sent(String phone) {
        return as(Tokens.admin()).get("/sandbox/v1/accounts/" + phone + "/messages").then().statusCode(200)
                .extract().jsonPath().getList("sent");
    }

    private List<InboundMessage> inbound(UUID org) {
        return messages.inbound(org).await().atMost(Duration.ofSeconds(5));
    }
}
