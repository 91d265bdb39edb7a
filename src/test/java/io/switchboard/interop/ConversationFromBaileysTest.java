package io.switchboard.interop;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.awaitPreKeysUploaded;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a person on Baileys does in a conversation arrives as such: a reply quoting our text and
 * mentioning us, reactions (to our text and to its own), an edit of its own text, a location, a
 * contact card, and a text deleted for everyone. Each is stored before it is acknowledged and shown
 * by the messages API — the edit as the new text with when, the deletion without content, the
 * reactions on the message they target — and announced as message.received, message.reaction,
 * message.edited and message.deleted events. Baileys' own number check ({@code onWhatsApp}) is
 * answered by the sandbox as WhatsApp does.
 */
@QuarkusTest
class ConversationFromBaileysTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    Pool pool;

    @ParameterizedTest
    @EnumSource(Release.class)
    void repliesReactionsEditsDeletionsLocationsAndCardsArrive(Release release) throws Exception {
        String ours = randomPhone("1601");
        String theirs = randomPhone("1602");
        UUID org = linkedOrganization("Conversation with Baileys " + release, ours);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Process process = BaileysJudge.startScenario(release, base.toString().replaceAll("/$", ""), List.of("chat-features", theirs, ours),
                lines::add);
        JsonNode ids;
        String messages = "/api/v1/organizations/" + org + "/whatsapp/messages";
        String ourId;
        try {
            BaileysJudge.awaitLine(lines, "\"step\":\"ready\"");
            awaitPreKeysUploaded(theirs);
            ourId = as(Tokens.admin()).body(Map.of("to", theirs, "text", "Your order shipped")).post(messages).then().statusCode(202)
                    .extract().path("whatsappId");
            ids = BaileysJudge.json().readTree(BaileysJudge.awaitLine(lines, "\"step\":\"conversed\""));
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        } finally {
            process.destroy();
        }
        assertEquals(ourId, ids.path("ours").asText());
        // Baileys' onWhatsApp through the sandbox's usync contact: our number is there, as itself; the made-up one is not.
        JsonNode onWhatsApp = ids.path("onWhatsApp");
        assertTrue(onWhatsApp.toString().contains("\"jid\":\"" + ours + "@s.whatsapp.net\""), onWhatsApp.toString());
        assertFalse(onWhatsApp.toString().contains("19995550123@s.whatsapp.net\",\"exists\":true"), onWhatsApp.toString());
        // Five messages stay (the reactions, the edit and the revoke change others); the edit and the deletion are applied.
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            JsonPath page = as(Tokens.admin()).get(messages + "?direction=in").then().statusCode(200).extract().jsonPath();
            return page.getList("items").size() == 5 && page.getList("items.deletedAt").stream().anyMatch(at -> at != null)
                    && page.getList("items.editedAt").stream().anyMatch(at -> at != null);
        });
        JsonPath page = as(Tokens.admin()).get(messages + "?direction=in").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> items = page.getList("items");

        Map<String, Object> plain = item(items, ids.path("plain").asText());
        assertEquals("second version", plain.get("text"), "the edit replaced the text");
        assertNotNull(plain.get("editedAt"));
        assertEquals(List.of(Map.of("phone", theirs, "emoji", "🎉")), plain.get("reactions"));

        Map<String, Object> reply = item(items, ids.path("reply").asText());
        Map<?, ?> context = (Map<?, ?>) reply.get("reply");
        assertEquals(ourId, context.get("messageId"), "a reply quoting our text");
        assertEquals(List.of(ours + "@s.whatsapp.net"), context.get("mentions"));
        assertEquals("thanks @" + ours, reply.get("text"));

        Map<String, Object> location = item(items, ids.path("location").asText());
        assertEquals("location", location.get("kind"));
        Map<?, ?> where = (Map<?, ?>) location.get("location");
        // RestAssured reads JSON decimals as floats: compared at float precision.
        assertEquals(-23.5505, ((Number) where.get("latitude")).doubleValue(), 1e-5);
        assertEquals(-46.6333, ((Number) where.get("longitude")).doubleValue(), 1e-5);
        assertEquals("Sé", where.get("name"));

        Map<String, Object> contact = item(items, ids.path("contact").asText());
        assertEquals("contacts", contact.get("kind"));
        List<?> cards = (List<?>) contact.get("contacts");
        assertEquals(1, cards.size());
        assertTrue(String.valueOf(((Map<?, ?>) cards.get(0)).get("vcard")).contains("waid=5511987654321"), cards.toString());

        Map<String, Object> doomed = item(items, ids.path("doomed").asText());
        assertNotNull(doomed.get("deletedAt"));
        assertNull(doomed.get("text"), "a deleted message's text is gone");
        assertFalse(items.stream().anyMatch(i -> ids.path("revoke").asText().equals(i.get("id"))), "a revoke is not a message");

        // The reaction to our text shows on our sent message, and is an event too.
        List<Map<String, Object>> sent = as(Tokens.admin()).get(messages + "?direction=out").then().statusCode(200).extract()
                .jsonPath().getList("items");
        Map<String, Object> ours0 = sent.stream().filter(m -> ourId.equals(m.get("whatsappId"))).findFirst().orElseThrow();
        assertEquals(List.of(Map.of("phone", theirs, "emoji", "👍")), ours0.get("reactions"));
        List<String> types = new ArrayList<>();
        pool.preparedQuery("SELECT type FROM whatsapp_event WHERE organization_id = $1 ORDER BY seq").execute(Tuple.of(org))
                .await().atMost(Duration.ofSeconds(5)).forEach(row -> types.add(row.getString("type")));
        assertEquals(5, types.stream().filter("message.received"::equals).count(), types.toString());
        assertEquals(2, types.stream().filter("message.reaction"::equals).count(), types.toString());
        assertEquals(1, types.stream().filter("message.edited"::equals).count(), types.toString());
        assertEquals(1, types.stream().filter("message.deleted"::equals).count(), types.toString());
        // The deleted text is gone at rest: its row holds nothing readable.
        assertEquals(1L, pool.preparedQuery("SELECT count(*) FROM whatsapp_inbound_message WHERE organization_id = $1"
                + " AND message_id = $2 AND deleted_at IS NOT NULL AND length(ciphertext) <= 16").execute(Tuple.of(org,
                        ids.path("doomed").asText())).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0));
    }

    private static Map<String, Object> item(List<Map<String, Object>> items, String id) {
        return items.stream().filter(i -> id.equals(i.get("id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no message " + id + " in " + items));
    }
}
