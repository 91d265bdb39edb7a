package io.switchboard.messaging;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.support.Tokens;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The messages API against the sandbox's phones: a text is stored, sent by the connection and
 * moves queued → sent → delivered → read as the phone receives and reads it; an idempotency key
 * never sends twice; bad input is a problem+json 4xx; a full queue is 429; pages run newest first.
 */
@QuarkusTest
class MessagesApiTest {

    @Test
    void aTextGoesOutOnceAndItsStatusFollowsThePhone() throws Exception {
        String ours = randomPhone("1552");
        String theirs = randomPhone("1553");
        UUID org = linkedOrganization("Messages API", ours);
        as(Tokens.admin()).body(Map.of("to", ours, "text", "hi, this is the customer"))
                .post("/sandbox/v1/accounts/" + theirs + "/messages").then().statusCode(202);

        JsonPath queued = as(Tokens.admin()).header("Idempotency-Key", "order-42").body(Map.of("to", "+" + theirs, "text", "Your order shipped"))
                .post(base(org)).then().statusCode(202).contentType("application/json").extract().jsonPath();
        String id = queued.getString("id");
        assertEquals("queued", queued.getString("status"));
        assertEquals(theirs, queued.getString("to.phone"));
        as(Tokens.admin()).header("Idempotency-Key", "order-42").body(Map.of("to", "+" + theirs, "text", "Your order shipped"))
                .post(base(org)).then().statusCode(202).header("Idempotent-Replayed", "true").body("id", equalTo(id));
        as(Tokens.admin()).header("Idempotency-Key", "order-42").body(Map.of("to", theirs, "text", "something else"))
                .post(base(org)).then().statusCode(409).contentType("application/problem+json")
                .body("reason", equalTo("idempotency-key-reused"));

        JsonPath delivered = await(org, id, m -> "delivered".equals(m.getString("status")));
        String whatsappId = delivered.getString("whatsappId");
        assertTrue(delivered.getList("history.status").containsAll(List.of("queued", "sent", "delivered")),
                delivered.getList("history.status").toString());
        assertTrue(delivered.getString("sentAt") != null);
        List<Map<String, Object>> onPhone = as(Tokens.admin()).get("/sandbox/v1/accounts/" + theirs + "/messages").then()
                .extract().jsonPath().getList("received");
        assertEquals(1, onPhone.stream().filter(m -> whatsappId.equals(m.get("id"))).count(), "the phone got it once");
        assertEquals("Your order shipped", onPhone.stream().filter(m -> whatsappId.equals(m.get("id"))).findFirst()
                .orElseThrow().get("text"));

        as(Tokens.admin()).body(Map.of("ids", List.of(whatsappId))).post("/sandbox/v1/accounts/" + theirs + "/read")
                .then().statusCode(200).body("read", equalTo(1));
        JsonPath read = await(org, id, m -> "read".equals(m.getString("status")));
        assertEquals(List.of("queued", "sent", "delivered", "read"), read.getList("history.status"));

        // Received texts page too, with the sender.
        JsonPath in = as(Tokens.admin()).get(base(org) + "?direction=in").then().statusCode(200).extract().jsonPath();
        assertEquals("hi, this is the customer", in.getString("items[0].text"));
        assertEquals(theirs, in.getString("items[0].from.phone"));
    }

    @Test
    void aNumberWithoutWhatsAppFails() throws Exception {
        UUID org = linkedOrganization("Messages API not on WhatsApp", randomPhone("1552"));
        String id = as(Tokens.admin()).body(Map.of("to", "19990000001", "text", "anyone there?")).post(base(org))
                .then().statusCode(202).extract().path("id");
        JsonPath failed = await(org, id, m -> "failed".equals(m.getString("status")));
        assertEquals("not-on-whatsapp", failed.getString("reason"));
        assertNull(failed.getString("sentAt"));
    }

    @Test
    void badRequestsAreProblems() {
        UUID org = createOrganization("Messages API input");
        as(Tokens.admin()).body(Map.of("to", "12", "text", "x")).post(base(org)).then().statusCode(400)
                .contentType("application/problem+json").body("reason", equalTo("invalid-body"));
        as(Tokens.admin()).body(Map.of("to", "15551234567")).post(base(org)).then().statusCode(400);
        as(Tokens.admin()).body(Map.of("to", "15551234567", "text", "")).post(base(org)).then().statusCode(400);
        as(Tokens.admin()).body(Map.of("to", "15551234567", "text", "x".repeat(65_537))).post(base(org)).then().statusCode(400)
                .body("reason", equalTo("invalid-body"));
        as(Tokens.admin()).header("Idempotency-Key", "bad key").body(Map.of("to", "15551234567", "text", "x")).post(base(org))
                .then().statusCode(400).body("reason", equalTo("invalid-idempotency-key"));
        as(Tokens.admin()).body(Map.of("to", "15551234567", "text", "x")).post(base(UUID.randomUUID())).then().statusCode(404);
        as(Tokens.member(UUID.randomUUID())).body(Map.of("to", "15551234567", "text", "x")).post(base(org)).then().statusCode(403);
        as(Tokens.admin()).get(base(org) + "/" + UUID.randomUUID()).then().statusCode(404).body("reason", equalTo("message-not-found"));
        as(Tokens.admin()).get(base(org) + "?direction=sideways").then().statusCode(400);
        as(Tokens.admin()).get(base(org) + "?limit=0").then().statusCode(400);
        as(Tokens.admin()).get(base(org) + "?after=not-a-cursor").then().statusCode(400);
        as(Tokens.admin()).contentType("application/json").body("{\"to\": ").post(base(org)).then().statusCode(400);
    }

    @Test
    void aFullQueueAnswers429AndPagesRunNewestFirst() {
        UUID org = createOrganization("Messages API queue");
        for (int i = 0; i < 30; i++) {
            as(Tokens.admin()).body(Map.of("to", "15551234567", "text", "waiting " + i)).post(base(org)).then().statusCode(202);
        }
        as(Tokens.admin()).body(Map.of("to", "15551234567", "text", "one too many")).post(base(org)).then().statusCode(429)
                .contentType("application/problem+json").header("Retry-After", "10").body("reason", equalTo("queue-full"));
        JsonPath first = as(Tokens.admin()).get(base(org) + "?limit=20").then().statusCode(200).extract().jsonPath();
        assertEquals(20, first.getList("items").size());
        assertEquals("waiting 29", first.getString("items[0].text"));
        String next = first.getString("next");
        JsonPath second = as(Tokens.admin()).get(base(org) + "?limit=20&after=" + next).then().statusCode(200).extract().jsonPath();
        assertEquals(10, second.getList("items").size());
        assertEquals("waiting 9", second.getString("items[0].text"));
        assertEquals("waiting 0", second.getString("items[9].text"));
        assertNull(second.getString("next"));
        assertNotEquals(first.getString("items[19].id"), second.getString("items[0].id"));
    }

    @Test
    void aTextForAnOrganizationThatStaysDisconnectedFailsAsNotLinked() throws Exception {
        UUID org = createOrganization("Messages API never linked");
        String id = as(Tokens.admin()).body(Map.of("to", "15551234567", "text", "will never go")).post(base(org))
                .then().statusCode(202).extract().path("id");
        JsonPath failed = await(org, id, m -> "failed".equals(m.getString("status")));
        assertEquals("not-linked", failed.getString("reason"));
        assertEquals(List.of("queued", "failed"), failed.getList("history.status"));
    }

    private static JsonPath await(UUID org, String id, Predicate<JsonPath> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        JsonPath last = null;
        while (System.currentTimeMillis() < deadline) {
            last = as(Tokens.admin()).get(base(org) + "/" + id).then().statusCode(200).extract().jsonPath();
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("message " + id + " never reached the state; last: " + (last == null ? null : last.prettify()));
    }

    private static String base(UUID org) {
        return "/api/v1/organizations/" + org + "/whatsapp/messages";
    }
}
