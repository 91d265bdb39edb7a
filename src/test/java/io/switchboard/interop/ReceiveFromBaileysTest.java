package io.switchboard.interop;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.protocol.client.InboundMessage;
import io.switchboard.session.store.MessageStore;
import io.switchboard.support.Tokens;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real Baileys account and one of our organizations exchange texts through the sandbox. Ours
 * decrypts what Baileys sends (Signal, from the pre-keys it uploaded), stores each with its session
 * update, then sends the delivery receipt Baileys waits for; what ours sends (device lists,
 * bundles, one Signal message per device) Baileys decrypts. Sender, chat and text must be exact.
 */
@QuarkusTest
class ReceiveFromBaileysTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    MessageStore messages;

    @Inject
    io.switchboard.session.SessionSupervisor supervisor;

    @ParameterizedTest
    @EnumSource(Release.class)
    void anOrganizationReceivesTextsFromBaileys(Release release) throws Exception {
        String ours = "1557" + (1_000_000 + (long) (Math.random() * 8_999_999));
        UUID org = linked("Receives from Baileys " + release, ours);

        String theirs = "1558" + (1_000_000 + (long) (Math.random() * 8_999_999));
        List<String> texts = List.of("hello from Baileys", "second", "olá 👋 ünïcode");
        List<String> arguments = new ArrayList<>(List.of("send", theirs, ours));
        arguments.addAll(texts);
        List<String> steps = runBaileys(release, arguments);
        List<InboundMessage> received = messages.inbound(org).await().atMost(Duration.ofSeconds(5));
        assertEquals(texts, received.stream().map(InboundMessage::text).toList());
        assertTrue(steps.stream().anyMatch(s -> s.contains("\"delivered\":3")), "Baileys got our 3 receipts: " + steps);
        for (InboundMessage message : received) {
            assertTrue(message.sender().startsWith(theirs + ":"), message.sender());
            assertEquals(theirs + "@s.whatsapp.net", message.chat());
            assertTrue(message.sentAt() != null);
        }
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    void baileysReceivesTextsFromAnOrganization(Release release) throws Exception {
        String ours = "1557" + (1_000_000 + (long) (Math.random() * 8_999_999));
        UUID org = linked("Sends to Baileys " + release, ours);
        String theirs = "1558" + (1_000_000 + (long) (Math.random() * 8_999_999));
        List<String> texts = List.of("hello from Switchboard", "second", "olá 👋 ünïcode");
        java.util.concurrent.CompletableFuture<List<String>> baileys = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return runBaileys(release, List.of("receive", theirs, String.valueOf(texts.size())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        awaitPreKeysUploaded(theirs);
        for (String text : texts) {
            io.switchboard.protocol.client.WhatsAppClient.Sent sent = supervisor.sendText(org, theirs, text)
                    .await().atMost(Duration.ofSeconds(15));
            assertTrue(sent.id().startsWith("3EB0") && sent.at() != null, sent.toString());
        }
        List<String> steps = baileys.get(90, TimeUnit.SECONDS);
        String received = steps.stream().filter(s -> s.contains("\"step\":\"received\"")).findFirst().orElse("");
        for (String text : texts) {
            assertTrue(received.contains("\"text\":\"" + text + "\""), received);
        }
        assertTrue(received.contains("\"from\":\"" + ours + "@s.whatsapp.net\""), received);
    }

    /**
     * Fifty texts each way interleaved, then both sides restart — our service (every client closed,
     * claims released, the connection adopted again with nothing but what PostgreSQL holds) and
     * Baileys (a new socket from its saved auth state) — and five more each way decrypt.
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void fiftyEachWayThenBothSidesRestart(Release release) throws Exception {
        String ours = "1557" + (1_000_000 + (long) (Math.random() * 8_999_999));
        UUID org = linked("Converses with Baileys " + release, ours);
        String theirs = "1558" + (1_000_000 + (long) (Math.random() * 8_999_999));
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        Process process = BaileysJudge.startScenario(release, root(), List.of("converse", theirs, ours, "50"), lines::add);
        try {
            awaitLine(lines, "ready-0");
            awaitPreKeysUploaded(theirs);
            // Baileys starts the session (its first texts are pkmsg); we answer on it. Both sides starting
            // one at the same moment breaks libsignal-node's sessions (a failed attempt on its open session
            // is stored with a success on another) until retry receipts repair them: not built yet.
            long first = System.currentTimeMillis() + 20_000;
            while (messages.inbound(org).await().atMost(Duration.ofSeconds(5)).isEmpty()) {
                assertTrue(System.currentTimeMillis() < first, "Baileys' first text never arrived");
                Thread.sleep(20);
            }
            for (int i = 0; i < 50; i++) {
                supervisor.sendText(org, theirs, "s0-" + i).await().atMost(Duration.ofSeconds(15));
            }
            awaitLine(lines, "got-0");
            supervisor.shutdownAll().await().atMost(Duration.ofSeconds(15));
            supervisor.adoptNow();
            awaitLine(lines, "ready-1");
            long deadline = System.currentTimeMillis() + 20_000;
            while (!supervisor.runsClient(org) || !"CONNECTED".equals(as(Tokens.admin())
                    .get("/api/v1/organizations/" + org + "/whatsapp/status").then().extract().path("state"))) {
                assertTrue(System.currentTimeMillis() < deadline, "the organization never came back after the restart");
                Thread.sleep(100);
            }
            for (int i = 0; i < 5; i++) {
                supervisor.sendText(org, theirs, "s1-" + i).await().atMost(Duration.ofSeconds(15));
            }
            awaitLine(lines, "\"step\":\"passed\"");
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        } finally {
            process.destroy();
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add("b0-" + i);
        }
        for (int i = 0; i < 5; i++) {
            expected.add("b1-" + i);
        }
        long deadline = System.currentTimeMillis() + 10_000;
        List<String> got = List.of();
        while (System.currentTimeMillis() < deadline) {
            got = messages.inbound(org).await().atMost(Duration.ofSeconds(5)).stream().map(InboundMessage::text).toList();
            if (got.size() >= expected.size()) {
                break;
            }
            Thread.sleep(100);
        }
        if (release == Release.V6) {
            assertEquals(expected, got, "every text once, in order, across the restarts");
            return;
        }
        // Baileys 7 encrypts some texts with a message key it already used when it sends while it
        // receives (two of its writes of one session race): we refuse those as duplicates, as
        // libsignal does, and count them. Repairing them takes retry receipts (not built yet).
        // What arrives must still be exact, in order, never twice, and the restarts lose nothing.
        assertEquals(got.size(), new java.util.HashSet<>(got).size(), "no text stored twice: " + got);
        List<String> inOrder = new ArrayList<>(expected);
        inOrder.retainAll(got);
        assertEquals(inOrder, got, "only sent texts, in order");
        assertTrue(got.stream().filter(t -> t.startsWith("b1-")).count() >= 3, "texts arrive after both restarts: " + got);
        assertTrue(got.size() >= expected.size() - 6, "at most a few lost to Baileys 7's key reuse: " + got);
    }

    private static void awaitLine(java.util.concurrent.BlockingQueue<String> lines, String marker) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                continue;
            }
            if (line.contains("\"step\":\"failed\"")) {
                throw new AssertionError("Baileys: " + line);
            }
            if (line.contains(marker)) {
                return;
            }
        }
        throw new AssertionError("Baileys never printed " + marker);
    }

    private UUID linked(String name, String phone) throws InterruptedException {
        UUID org = createOrganization(name);
        long deadline = System.currentTimeMillis() + 15_000;
        io.restassured.response.Response answer = as(Tokens.admin()).post("/api/v1/organizations/" + org + "/whatsapp/init-baileys");
        while (answer.statusCode() == 202 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            answer = as(Tokens.admin()).get("/api/v1/organizations/" + org + "/whatsapp/qrcode");
        }
        String qr = answer.then().statusCode(200).extract().path("qr");
        as(Tokens.admin()).body(Map.of("qr", qr, "phone", phone)).post("/sandbox/v1/scan").then().statusCode(200);
        awaitPreKeysUploaded(phone);
        return org;
    }

    private static void awaitPreKeysUploaded(String phone) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            List<Map<String, Object>> devices = as(Tokens.admin()).get("/sandbox/v1/devices").then().extract().jsonPath().getList("$");
            if (devices.stream().anyMatch(d -> phone.equals(d.get("phone")) && ((Integer) d.get("preKeys")) > 0)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("our device never uploaded its pre-keys");
    }

    private List<String> runBaileys(Release release, List<String> arguments) throws Exception {
        return BaileysJudge.runScenario(release, root(), arguments);
    }

    private String root() {
        return base.toString().replaceAll("/$", "");
    }
}
