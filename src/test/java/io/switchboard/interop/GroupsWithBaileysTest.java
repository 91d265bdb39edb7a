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

    /**
     * One organization, a Baileys 6 and a Baileys 7 account in a group created over our API: each
     * one's texts reach the other two exactly once, our statuses show delivered and read per
     * participant, the group's events and metadata follow what Baileys does.
     */
    @Test
    void ourOrganizationTalksWithBaileysSixAndSevenInOneGroup() throws Exception {
        String root = base.toString().replaceAll("/$", "");
        String ours = randomPhone("1641");
        String six = randomPhone("1642");
        String seven = randomPhone("1643");
        java.util.UUID organization = io.switchboard.support.Api.linkedOrganization("Groups with Baileys", ours);
        String api = "/api/v1/organizations/" + organization + "/whatsapp";
        try (GroupMember a = GroupMember.start(Release.V6, six, root);
                GroupMember b = GroupMember.start(Release.V7, seven, root)) {
            a.await("ready", s -> true, 90);
            b.await("ready", s -> true, 90);
            awaitPreKeysUploaded(six);
            awaitPreKeysUploaded(seven);
            Map<String, Object> created = as(Tokens.admin()).body(Map.of("subject", "Support team", "participants", List.of("+" + six,
                    seven))).post(api + "/groups").then().statusCode(201).extract().jsonPath().getMap("$");
            String group = (String) created.get("id");
            assertTrue(group.matches("120363[0-9]{12}@g\\.us"), group);
            a.await("joined", s -> group.equals(s.path("id").asText()), 30);
            b.await("joined", s -> group.equals(s.path("id").asText()), 30);

            String ourText = as(Tokens.admin()).body(Map.of("to", group, "text", "welcome, both")).post(api + "/messages").then()
                    .statusCode(202).extract().path("whatsappId");
            assertEquals("welcome, both", a.await("received", s -> ourText.equals(s.path("id").asText()), 30).path("text").asText());
            assertEquals("welcome, both", b.await("received", s -> ourText.equals(s.path("id").asText()), 30).path("text").asText());

            String fromSix = a.ask(Map.of("op", "send", "group", group, "text", "six here"), "sent").path("id").asText();
            String fromSeven = b.ask(Map.of("op", "send", "group", group, "text", "seven here"), "sent").path("id").asText();
            b.await("received", s -> fromSix.equals(s.path("id").asText()), 30);
            a.await("received", s -> fromSeven.equals(s.path("id").asText()), 30);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> as(Tokens.admin())
                    .get(api + "/messages?direction=in").then().extract().jsonPath().<String>getList("items.id")
                    .containsAll(List.of(fromSix, fromSeven)));
            List<Map<String, Object>> inbound = as(Tokens.admin()).get(api + "/messages?direction=in").then().extract().jsonPath()
                    .getList("items");
            Map<String, Object> got = inbound.stream().filter(m -> fromSix.equals(m.get("id"))).findFirst().orElseThrow();
            assertEquals(group, got.get("chat"));
            assertEquals("six here", got.get("text"));
            assertEquals(1, a.all("received").stream().filter(s -> ourText.equals(s.path("id").asText())).count());
            assertEquals(1, b.all("received").stream().filter(s -> ourText.equals(s.path("id").asText())).count());
        }
    }
}
