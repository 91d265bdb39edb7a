package io.switchboard.interop;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.awaitPreKeysUploaded;
import static io.switchboard.support.Api.randomPhone;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.support.Tokens;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Groups in the sandbox as the real clients use them: Baileys 6 creates a group with a Baileys 7
 * account and a plain phone; each one's texts reach the others exactly once (the phone reads them
 * too); the sandbox's fan-out, notifications and receipts are what both releases accept.
 */
@QuarkusTest
class GroupsWithBaileysTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void baileysSixAndSevenTalkInASandboxGroup() throws Exception {
        String root = base.toString().replaceAll("/$", "");
        String six = randomPhone("1631");
        String seven = randomPhone("1632");
        String phone = randomPhone("1633");
        try (GroupMember a = GroupMember.start(Release.V6, six, root);
                GroupMember b = GroupMember.start(Release.V7, seven, root)) {
            a.await("ready", s -> true, 90);
            b.await("ready", s -> true, 90);
            awaitPreKeysUploaded(six);
            awaitPreKeysUploaded(seven);
            // A plain phone (no linked device) has an account once it has written to someone.
            as(Tokens.admin()).body(Map.of("to", six, "text", "hello")).post("/sandbox/v1/accounts/" + phone + "/messages").then()
                    .statusCode(202);
            String group = a.ask(Map.of("op", "create", "subject", "Class 7B", "participants", List.of(seven, phone)), "created")
                    .path("id").asText();
            assertTrue(group.matches("120363[0-9]{12}@g\\.us"), group);
            b.await("joined", s -> group.equals(s.path("id").asText()), 30);

            String first = a.ask(Map.of("op", "send", "group", group, "text", "hello from six"), "sent").path("id").asText();
            JsonNode got = b.await("received", s -> first.equals(s.path("id").asText()), 30);
            assertEquals("hello from six", got.path("text").asText());
            String second = b.ask(Map.of("op", "send", "group", group, "text", "hello from seven"), "sent").path("id").asText();
            assertEquals("hello from seven", a.await("received", s -> second.equals(s.path("id").asText()), 30).path("text").asText());
            String third = a.ask(Map.of("op", "send", "group", group, "text", "again from six"), "sent").path("id").asText();
            b.await("received", s -> third.equals(s.path("id").asText()), 30);

            List<Map<String, Object>> phoneGot = as(Tokens.admin()).get("/sandbox/v1/accounts/" + phone + "/messages").then()
                    .statusCode(200).extract().jsonPath().getList("received");
            assertTrue(phoneGot.stream().anyMatch(m -> "hello from seven".equals(m.get("text"))), phoneGot.toString());
            assertTrue(phoneGot.stream().anyMatch(m -> "again from six".equals(m.get("text"))), phoneGot.toString());
            assertEquals(1, b.all("received").stream().filter(s -> first.equals(s.path("id").asText())).count());
        }
    }
}
