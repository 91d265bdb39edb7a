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

            // The phone writes to the group too: its sender key reaches both Baileys releases.
            String fromPhone = as(Tokens.admin()).body(Map.of("to", group, "text", "the phone speaks")).post("/sandbox/v1/accounts/"
                    + phone + "/messages").then().statusCode(202).extract().path("id");
            assertEquals("the phone speaks", a.await("received", s -> fromPhone.equals(s.path("id").asText()), 30).path("text").asText());
            assertEquals("the phone speaks", b.await("received", s -> fromPhone.equals(s.path("id").asText()), 30).path("text").asText());
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

            // Both read our text: delivered and read, per participant.
            a.ask(Map.of("op", "read", "group", group), "read");
            b.ask(Map.of("op", "read", "group", group), "read");
            String ourId = outboxId(api, ourText);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> receipts(api, ourId).containsAll(List.of(
                    six + " delivered", six + " read", seven + " delivered", seven + " read")));

            // An image from Baileys 7 reaches us (kept with the group and its sender) and Baileys 6.
            java.nio.file.Path image = java.nio.file.Files.createTempFile("group", ".png");
            java.nio.file.Files.write(image, io.switchboard.messaging.MediaMessagesTest.png(32, 24));
            String picture = b.ask(Map.of("op", "image", "group", group, "path", image.toString(), "caption", "the whiteboard"), "sent")
                    .path("id").asText();
            assertEquals("the whiteboard", a.await("received", s -> picture.equals(s.path("id").asText()), 30).path("caption").asText());
            Map<String, Object> kept = awaitInbound(api, picture);
            assertEquals("image", kept.get("kind"));
            assertEquals(group, kept.get("chat"));
            assertEquals(seven, ((Map<?, ?>) kept.get("from")).get("phone"));

            // Our own image, a reply quoting Baileys 7 that mentions Baileys 6, and a reaction to Baileys 6's text, in the group.
            String ourImage = as(Tokens.admin()).body(Map.of("to", group, "media", Map.of("type", "image", "caption", "our chart",
                    "data", java.util.Base64.getEncoder().encodeToString(io.switchboard.messaging.MediaMessagesTest.png(40, 30)))))
                    .post(api + "/messages").then().statusCode(202).extract().path("whatsappId");
            assertEquals("our chart", a.await("received", s -> ourImage.equals(s.path("id").asText()), 30).path("caption").asText());
            assertEquals("our chart", b.await("received", s -> ourImage.equals(s.path("id").asText()), 30).path("caption").asText());
            String reply = as(Tokens.admin()).body(Map.of("to", group, "text", "@" + six + " see what seven said", "replyTo", fromSeven,
                    "mentions", List.of("+" + six))).post(api + "/messages").then().statusCode(202).extract().path("whatsappId");
            for (GroupMember member : List.of(a, b)) {
                JsonNode quoted = member.await("received", s -> reply.equals(s.path("id").asText()), 30);
                assertEquals(fromSeven, quoted.path("quotedId").asText(), quoted.toString());
                assertTrue(quoted.path("mentions").toString().contains(six), quoted.toString());
            }
            as(Tokens.admin()).body(Map.of("emoji", "👍")).post(api + "/messages/" + fromSix + "/reactions").then().statusCode(202);
            assertEquals("👍", a.await("reaction", s -> fromSix.equals(s.path("id").asText()), 30).path("emoji").asText());

            // Baileys changes the group: we promote Baileys 6, which adds and removes a phone; our events and metadata follow.
            as(Tokens.admin()).body(Map.of("action", "promote", "phones", List.of(six))).post(api + "/groups/" + group + "/participants")
                    .then().statusCode(200).body("results[0].status", org.hamcrest.Matchers.equalTo("done"));
            String extra = randomPhone("1644");
            as(Tokens.admin()).body(Map.of("to", six, "text", "hi")).post("/sandbox/v1/accounts/" + extra + "/messages").then()
                    .statusCode(202);
            assertEquals("200", a.ask(Map.of("op", "participants", "group", group, "action", "add", "phones", List.of(extra)),
                    "participants").path("result").path(0).path("status").asText());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> members(api, group).contains(extra));
            assertEquals("admin", as(Tokens.admin()).get(api + "/groups/" + group).then().statusCode(200).extract().jsonPath()
                    .getString("participants.find { it.phone == '" + six + "' }.role"));
            String phoneText = as(Tokens.admin()).body(Map.of("to", group, "text", "a phone in the group")).post("/sandbox/v1/accounts/"
                    + extra + "/messages").then().statusCode(202).extract().path("id");
            assertEquals("a phone in the group", awaitInbound(api, phoneText).get("text"));
            b.await("received", s -> phoneText.equals(s.path("id").asText()), 30);
            a.ask(Map.of("op", "participants", "group", group, "action", "promote", "phones", List.of(extra)), "participants");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> "admin".equals(as(Tokens.admin())
                    .get(api + "/groups?size=100").then().extract().jsonPath().getString("items.find { it.id == '" + group
                            + "' }.participants.find { it.phone == '" + extra + "' }.role")));
            a.ask(Map.of("op", "participants", "group", group, "action", "remove", "phones", List.of(extra)), "participants");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> !members(api, group).contains(extra));
            List<String> types = groupEvents(organization, group);
            assertTrue(types.containsAll(List.of("group.created", "group.participants")), types.toString());

            // The phone that left took our sender key's secrecy with it: our next text goes out under a new key, to both.
            String keyed = as(Tokens.admin()).body(Map.of("to", group, "text", "new key, same two readers")).post(api + "/messages")
                    .then().statusCode(202).extract().path("whatsappId");
            a.await("received", s -> keyed.equals(s.path("id").asText()), 30);
            b.await("received", s -> keyed.equals(s.path("id").asText()), 30);

            // We remove Baileys 6: what we send next goes out under a new sender key, to Baileys 7 only.
            io.switchboard.protocol.proto.SenderKeyRecord before = ownSenderKey(organization, group);
            assertTrue(before.getDistributedToList().stream().anyMatch(device -> device.startsWith(six)), before.getDistributedToList()
                    .toString());
            as(Tokens.admin()).body(Map.of("action", "remove", "phones", List.of(six))).post(api + "/groups/" + group + "/participants")
                    .then().statusCode(200).body("results[0].status", org.hamcrest.Matchers.equalTo("done"));
            a.await("participants-update", s -> "remove".equals(s.path("action").asText()), 30);
            String afterRemoval = as(Tokens.admin()).body(Map.of("to", group, "text", "only the two of us now")).post(api + "/messages")
                    .then().statusCode(202).extract().path("whatsappId");
            b.await("received", s -> afterRemoval.equals(s.path("id").asText()), 30);
            io.switchboard.protocol.proto.SenderKeyRecord after = ownSenderKey(organization, group);
            assertTrue(after.getStates(0).getId() != before.getStates(0).getId(), "a new sender key after the removal");
            assertTrue(after.getDistributedToList().stream().noneMatch(device -> device.startsWith(six)), after.getDistributedToList()
                    .toString());
            assertTrue(after.getDistributedToList().stream().anyMatch(device -> device.startsWith(seven)), after.getDistributedToList()
                    .toString());

            // WhatsApp moves the group to LID addressing mid-conversation: nothing is lost either way.
            as(Tokens.admin()).body(Map.of("mode", "lid")).post("/sandbox/v1/groups/" + group + "/addressing").then().statusCode(204);
            String ourLid = as(Tokens.admin()).body(Map.of("to", group, "text", "after the move")).post(api + "/messages").then()
                    .statusCode(202).extract().path("whatsappId");
            assertEquals("after the move", b.await("received", s -> ourLid.equals(s.path("id").asText()), 30).path("text").asText());
            String theirLid = b.ask(Map.of("op", "send", "group", group, "text", "seven after the move"), "sent").path("id").asText();
            assertEquals("seven after the move", awaitInbound(api, theirLid).get("text"));

            // A device that cannot decrypt asks again and then shows the message: ours to Baileys 7, and Baileys 7's to us.
            as(Tokens.admin()).body(Map.of("phone", seven, "kind", "corrupt", "count", 1)).post("/sandbox/v1/faults").then().statusCode(204);
            String damaged = as(Tokens.admin()).body(Map.of("to", group, "text", "arrives damaged first")).post(api + "/messages").then()
                    .statusCode(202).extract().path("whatsappId");
            assertEquals("arrives damaged first", b.await("received", s -> damaged.equals(s.path("id").asText()), 40).path("text").asText());
            as(Tokens.admin()).body(Map.of("phone", ours, "kind", "corrupt", "count", 1)).post("/sandbox/v1/faults").then().statusCode(204);
            String theirDamaged = b.ask(Map.of("op", "send", "group", group, "text", "damaged on the way to you"), "sent").path("id").asText();
            assertEquals("damaged on the way to you", awaitInbound(api, theirDamaged).get("text"));
            assertEquals(1, b.all("received").stream().filter(s -> damaged.equals(s.path("id").asText())).count());
        }
    }

    /**
     * WhatsApp's refusals as problems: in a group Baileys 7 created, we are a plain member — changing
     * it is 403 not-group-admin; a group that does not exist is 404; a reset invite link is 410 and
     * joining a group we are in 409; after we leave, reading it is 403 and group.left was written.
     */
    @Test
    void whatsAppsGroupRefusalsAreProblems() throws Exception {
        String root = base.toString().replaceAll("/$", "");
        String ours = randomPhone("1651");
        String seven = randomPhone("1652");
        java.util.UUID organization = io.switchboard.support.Api.linkedOrganization("Group refusals", ours);
        String api = "/api/v1/organizations/" + organization + "/whatsapp";
        try (GroupMember b = GroupMember.start(Release.V7, seven, root)) {
            b.await("ready", s -> true, 90);
            awaitPreKeysUploaded(seven);
            String theirs = b.ask(Map.of("op", "create", "subject", "Their group", "participants", List.of(ours)), "created")
                    .path("id").asText();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> groupEvents(organization, theirs)
                    .contains("group.joined"));
            assertEquals("member", as(Tokens.admin()).get(api + "/groups/" + theirs).then().statusCode(200).extract().jsonPath()
                    .getString("participants.find { it.phone == '" + ours + "' }.role"));
            // Any member may rename an unlocked group (as in WhatsApp); settings are for admins.
            assertEquals("Renamed by a member", as(Tokens.admin()).body(Map.of("subject", "Renamed by a member"))
                    .patch(api + "/groups/" + theirs).then().statusCode(200).extract().path("subject"));
            b.await("group-update", s -> "Renamed by a member".equals(s.path("subject").asText()), 30);
            as(Tokens.admin()).body(Map.of("announcementOnly", true)).patch(api + "/groups/" + theirs).then().statusCode(403)
                    .body("reason", org.hamcrest.Matchers.equalTo("not-group-admin"));
            as(Tokens.admin()).body(Map.of("action", "remove", "phones", List.of(seven))).post(api + "/groups/" + theirs + "/participants")
                    .then().statusCode(403).body("reason", org.hamcrest.Matchers.equalTo("not-group-admin"));
            as(Tokens.admin()).get(api + "/groups/" + theirs + "/invite-link").then().statusCode(403)
                    .body("reason", org.hamcrest.Matchers.equalTo("not-group-admin"));
            as(Tokens.admin()).get(api + "/groups/120363000000000001@g.us").then().statusCode(404)
                    .body("reason", org.hamcrest.Matchers.equalTo("group-not-found"));
            as(Tokens.admin()).get(api + "/groups/not-a-group").then().statusCode(400);

            String ownGroup = as(Tokens.admin()).body(Map.of("subject", "Ours", "participants", List.of(seven)))
                    .post(api + "/groups").then().statusCode(201).extract().path("id");
            // Read twenty times at once: served from what is kept, WhatsApp is not asked (it rate-limits the query).
            long asked = sandbox.server().orElseThrow().observations().groupQueries(ownGroup);
            java.util.List<java.util.concurrent.CompletableFuture<Integer>> reads = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                reads.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> as(Tokens.admin()).get(api + "/groups/" + ownGroup)
                        .then().extract().statusCode()));
            }
            assertTrue(reads.stream().allMatch(read -> read.join() == 200));
            assertEquals(asked, sandbox.server().orElseThrow().observations().groupQueries(ownGroup), "metadata asked of WhatsApp");
            String first = as(Tokens.admin()).get(api + "/groups/" + ownGroup + "/invite-link").then().statusCode(200).extract().path("code");
            String second = as(Tokens.admin()).delete(api + "/groups/" + ownGroup + "/invite-link").then().statusCode(200).extract()
                    .path("code");
            assertTrue(!first.equals(second), "a new code after the reset");
            as(Tokens.admin()).body(Map.of("code", "https://chat.whatsapp.com/" + first)).post(api + "/groups/join").then().statusCode(410)
                    .body("reason", org.hamcrest.Matchers.equalTo("invite-revoked"));
            as(Tokens.admin()).body(Map.of("code", second)).post(api + "/groups/join").then().statusCode(409)
                    .body("reason", org.hamcrest.Matchers.equalTo("already-group-member"));

            as(Tokens.admin()).post(api + "/groups/" + theirs + "/leave").then().statusCode(204);
            b.await("participants-update", s -> theirs.equals(s.path("group").asText()) && "remove".equals(s.path("action").asText()), 30);
            as(Tokens.admin()).get(api + "/groups/" + theirs).then().statusCode(403)
                    .body("reason", org.hamcrest.Matchers.equalTo("not-group-member"));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> groupEvents(organization, theirs)
                    .contains("group.left"));
            assertTrue(as(Tokens.admin()).get(api + "/groups").then().statusCode(200).extract().jsonPath().<String>getList("items.id")
                    .equals(List.of(ownGroup)), "only the group we are still in is listed");
        }
    }

    private static String outboxId(String api, String whatsappId) {
        return as(Tokens.admin()).get(api + "/messages").then().extract().jsonPath().<Map<String, Object>>getList("items").stream()
                .filter(m -> whatsappId.equals(m.get("whatsappId"))).map(m -> (String) m.get("id")).findFirst().orElseThrow();
    }

    private static List<String> receipts(String api, String id) {
        return as(Tokens.admin()).get(api + "/messages/" + id).then().statusCode(200).extract().jsonPath()
                .<Map<String, Object>>getList("receipts").stream().map(r -> r.get("phone") + " " + r.get("status")).toList();
    }

    private static Map<String, Object> awaitInbound(String api, String id) {
        return org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(40)).until(() -> as(Tokens.admin())
                .get(api + "/messages?direction=in").then().extract().jsonPath().<Map<String, Object>>getList("items").stream()
                .filter(m -> id.equals(m.get("id"))).findFirst().orElse(null), java.util.Objects::nonNull);
    }

    private static List<String> members(String api, String group) {
        return as(Tokens.admin()).get(api + "/groups?size=100").then().statusCode(200).extract().jsonPath()
                .<Map<String, Object>>getList("items").stream().filter(g -> group.equals(g.get("id")))
                .flatMap(g -> ((List<Map<String, Object>>) g.get("participants")).stream()).map(p -> (String) p.get("phone")).toList();
    }

    @jakarta.inject.Inject
    io.switchboard.events.EventStore events;

    @jakarta.inject.Inject
    io.switchboard.sandbox.admin.SandboxMount sandbox;

    @jakarta.inject.Inject
    io.switchboard.session.store.MessageStore messages;

    /** Our sender key for the group, as stored (sealed) for the organization. */
    private io.switchboard.protocol.proto.SenderKeyRecord ownSenderKey(java.util.UUID organization, String group) {
        return messages.signalSession(organization, group + "::own").await().atMost(java.time.Duration.ofSeconds(5)).getSenderKey();
    }

    private List<String> groupEvents(java.util.UUID organization, String group) {
        return events.after(organization, 0, 500).await().atMost(java.time.Duration.ofSeconds(5)).stream()
                .filter(event -> group.equals(event.conversation())).map(io.switchboard.events.EventStore.Event::type).toList();
    }
}
