package io.switchboard.messaging;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A device that asks for our text again after we reconnected still gets it. The recipient's
 * companion is offline when the text is sent and the sandbox corrupts the copy waiting for it;
 * our connection drops and comes back (a new client, which never sent that text); then the
 * recipient comes online, cannot decrypt, and asks again: the text is sent again from the outbox.
 */
@QuarkusTest
class RetryAfterReconnectTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aRetryReceiptAfterAReconnectIsAnsweredFromTheOutbox() throws Exception {
        String ours = randomPhone("1563");
        String theirs = randomPhone("1564");
        UUID sender = linkedOrganization("Retry sender", ours);
        UUID recipient = linkedOrganization("Retry recipient", theirs);
        String senderDevice = deviceOf(ours);
        String recipientDevice = deviceOf(theirs);

        as(Tokens.admin()).post("/sandbox/v1/devices/" + recipientDevice + "/network-down").then().statusCode(204);
        as(Tokens.admin()).body(Map.of("phone", theirs, "kind", "corrupt", "count", 1)).post("/sandbox/v1/faults")
                .then().statusCode(204);
        String id = as(Tokens.admin()).body(Map.of("to", theirs, "text", "sent before the reconnect")).post(messages(sender))
                .then().statusCode(202).extract().path("id");
        await("the recipient's phone has it").atMost(WAIT).until(() -> "delivered".equals(status(sender, id)));

        int loginsBefore = logins(sender);
        as(Tokens.admin()).post("/sandbox/v1/devices/" + senderDevice + "/drop").then().statusCode(204);
        await("the sender logged in again").atMost(WAIT).until(() -> logins(sender) > loginsBefore
                && "connected".equals(as(Tokens.admin()).get(whatsapp(sender) + "/status").then().extract().path("connectionStatus")));

        as(Tokens.admin()).post("/sandbox/v1/devices/" + recipientDevice + "/network-up").then().statusCode(204);
        await("the recipient's companion shows the text").atMost(WAIT).until(() -> received(recipient).contains(
                "sent before the reconnect"));
    }

    private static String deviceOf(String phone) {
        List<Map<String, Object>> devices = as(Tokens.admin()).get("/sandbox/v1/devices").then().extract().jsonPath().getList("$");
        return devices.stream().filter(d -> phone.equals(d.get("phone"))).map(d -> (String) d.get("deviceJid")).findFirst()
                .orElseThrow();
    }

    private static int logins(UUID org) {
        List<String> events = as(Tokens.admin()).get(whatsapp(org) + "/transitions?limit=200").then().statusCode(200)
                .extract().jsonPath().getList("items.event");
        return (int) events.stream().filter("LOGGED_IN"::equals).count();
    }

    private static List<String> received(UUID org) {
        return as(Tokens.admin()).get(messages(org) + "?direction=in").then().statusCode(200).extract().jsonPath()
                .getList("items.text");
    }

    private static String status(UUID org, String id) {
        return as(Tokens.admin()).get(messages(org) + "/" + id).then().statusCode(200).extract().path("status");
    }

    private static String whatsapp(UUID org) {
        return "/api/v1/organizations/" + org + "/whatsapp";
    }

    private static String messages(UUID org) {
        return whatsapp(org) + "/messages";
    }
}
