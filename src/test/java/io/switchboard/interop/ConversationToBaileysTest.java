package io.switchboard.interop;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.awaitPreKeysUploaded;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.support.Tokens;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our conversation features as Baileys applies them: a reply quotes the right message (with its
 * text) and mentions the right number; a reaction lands on the right message; an edit replaces the
 * right text; a revoke deletes the right message; marking the chat read gives Baileys' message its
 * blue ticks; our "typing…" shows in Baileys, and Baileys' presence and typing arrive as
 * presence.updated events once we subscribed. The ownership rules answer 409.
 */
@QuarkusTest
class ConversationToBaileysTest {

    @TestHTTPResource("/")
    URL base;

    @ParameterizedTest
    @EnumSource(Release.class)
    void baileysShowsOurRepliesReactionsEditsAndRevokes(Release release) throws Exception {
        String ours = randomPhone("1621");
        String theirs = randomPhone("1622");
        UUID org = linkedOrganization("Conversation to Baileys " + release, ours);
        String messages = "/api/v1/organizations/" + org + "/whatsapp/messages";
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Process process = BaileysJudge.startScenario(release, base.toString().replaceAll("/$", ""),
                List.of("conversation-reader", theirs, ours), lines::add);
        JsonNode seen;
        String reply;
        String edited;
        String doomed;
        String question;
        try {
            BaileysJudge.awaitLine(lines, "\"step\":\"ready\"");
            awaitPreKeysUploaded(theirs);
            question = BaileysJudge.json().readTree(BaileysJudge.awaitLine(lines, "\"step\":\"asked\"")).path("id").asText();
            await().atMost(Duration.ofSeconds(15)).until(() -> as(Tokens.admin()).get(messages + "?direction=in").then().extract()
                    .jsonPath().getList("items.id").contains(question));

            reply = as(Tokens.admin()).body(Map.of("to", theirs, "text", "Sure @" + theirs + ", what is the order number?",
                    "replyTo", question, "mentions", List.of("+" + theirs))).post(messages).then().statusCode(202)
                    .body("kind", equalTo("text")).body("reply.messageId", equalTo(question)).extract().path("whatsappId");
            String draft = as(Tokens.admin()).body(Map.of("to", theirs, "text", "Your order ships Monday")).post(messages).then()
                    .statusCode(202).extract().path("id");
            String wrong = as(Tokens.admin()).body(Map.of("to", theirs, "text", "meant for another customer")).post(messages).then()
                    .statusCode(202).extract().path("id");
            // Not sent yet: not editable yet.
            awaitSent(messages, draft);
            awaitSent(messages, wrong);
            edited = as(Tokens.admin()).get(messages + "/" + draft).then().extract().path("whatsappId");
            doomed = as(Tokens.admin()).get(messages + "/" + wrong).then().extract().path("whatsappId");
            as(Tokens.admin()).body(Map.of("emoji", "👍")).post(messages + "/" + question + "/reactions").then().statusCode(202)
                    .body("kind", equalTo("reaction")).body("target", equalTo(question));
            as(Tokens.admin()).body(Map.of("text", "Your order ships Tuesday")).patch(messages + "/" + draft).then().statusCode(202)
                    .body("kind", equalTo("edit")).body("target", equalTo(edited));
            as(Tokens.admin()).delete(messages + "/" + wrong).then().statusCode(202).body("kind", equalTo("revoke"));
            as(Tokens.admin()).body(Map.of("chat", "+" + theirs)).post(messages + "/read").then().statusCode(200)
                    .body("read", equalTo(1));
            as(Tokens.admin()).body(Map.of("chat", "+" + theirs)).post(messages + "/read").then().statusCode(200)
                    .body("read", equalTo(0));
            as(Tokens.admin()).body(Map.of("ids", List.of("3EB0NOSUCHMESSAGE000"))).post(messages + "/read").then().statusCode(404);
            // Typing in Baileys' chat, and Baileys' presence (offline: Baileys announces "available" only with a push
            // name) and typing as events.
            String presence = "/api/v1/organizations/" + org + "/whatsapp/presence";
            as(Tokens.admin()).body(Map.of("to", "+" + theirs, "state", "composing")).post(presence).then().statusCode(200);
            as(Tokens.admin()).body(Map.of("phone", "+" + theirs)).post(presence + "/subscribe").then().statusCode(200);
            as(Tokens.admin()).body(Map.of("state", "composing")).post(presence).then().statusCode(400);
            await().atMost(Duration.ofSeconds(15)).until(() -> presenceStates(org, theirs).containsAll(List.of("unavailable",
                    "composing")));
            // What WhatsApp does not allow: editing a received message, or someone else's.
            as(Tokens.admin()).body(Map.of("text", "x")).patch(messages + "/" + question).then().statusCode(409)
                    .body("reason", equalTo("not-own-message"));
            as(Tokens.admin()).delete(messages + "/" + question).then().statusCode(409).body("reason", equalTo("not-own-message"));
            as(Tokens.admin()).body(Map.of("emoji", "not an emoji")).post(messages + "/" + question + "/reactions").then()
                    .statusCode(400);
            as(Tokens.admin()).body(Map.of("emoji", "👍")).post(messages + "/3EB0NOSUCHMESSAGE000/reactions").then().statusCode(404)
                    .body("reason", equalTo("message-not-found"));

            seen = BaileysJudge.json().readTree(BaileysJudge.awaitLine(lines, "\"step\":\"seen\""));
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        } finally {
            process.destroy();
        }
        JsonNode quoted = null;
        for (JsonNode text : seen.path("texts")) {
            if (reply.equals(text.path("id").asText())) {
                quoted = text;
            }
        }
        assertTrue(quoted != null, "Baileys got our reply: " + seen);
        assertEquals(question, quoted.path("quotedId").asText(), "a quote of the right message: " + quoted);
        assertEquals("can you help?", quoted.path("quotedText").asText());
        assertEquals(theirs + "@s.whatsapp.net", quoted.path("mentions").path(0).asText());
        assertEquals(List.of(Map.of("id", question, "emoji", "👍")), BaileysJudge.json().convertValue(seen.path("reactions"), List.class),
                "the reaction on Baileys' own message");
        assertEquals(edited, seen.path("edits").path(0).path("id").asText(), seen.toString());
        assertEquals("Your order ships Tuesday", seen.path("edits").path(0).path("text").asText());
        assertEquals(doomed, seen.path("revokes").path(0).path("id").asText(), seen.toString());
        assertEquals(question, seen.path("reads").path(0).path("id").asText(), "Baileys saw its question read: " + seen);
        assertTrue(seen.path("presences").toString().contains("\"id\":\"" + ours + "@s.whatsapp.net\"")
                && seen.path("presences").toString().contains("composing"), "Baileys saw us typing: " + seen.path("presences"));
    }

    @jakarta.inject.Inject
    io.switchboard.events.EventStore events;

    /** The states of presence.updated events about {@code phone}. */
    private List<String> presenceStates(UUID org, String phone) {
        return events.after(org, 0, 500).await().atMost(Duration.ofSeconds(5)).stream()
                .filter(event -> "presence.updated".equals(event.type()))
                .map(event -> new io.vertx.core.json.JsonObject(event.body()).getJsonObject("data"))
                .filter(data -> phone.equals(data.getString("phone"))).map(data -> data.getString("state")).toList();
    }

    private static void awaitSent(String messages, String id) {
        await().atMost(Duration.ofSeconds(15)).until(() -> as(Tokens.admin()).get(messages + "/" + id).then().extract()
                .<String>path("sentAt") != null);
    }
}
