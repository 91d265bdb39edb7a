package io.switchboard.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Texts and webhooks across a crash, with two replicas of the packaged service: texts are queued
 * through the replica that does not run the connection while the webhook receiver is down; the
 * replica that runs it is killed (-9) mid-way. The other one takes over: every text reaches the
 * phone once and ends delivered, and once the receiver is back every event arrives (duplicates
 * only with the same webhook-id); the killed replica then starts again and sends nothing twice.
 */
class MessagingFailoverIT {

    private static ReplicaCluster cluster;
    private static ClusterSteps steps;
    private static HttpServer receiver;
    private static final AtomicBoolean receiverUp = new AtomicBoolean();
    private static final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    private static final Map<String, String> bodies = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!receiverUp.get()) {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            received.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            bodies.put(id, new String(body, StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        cluster = ReplicaCluster.start("sb_messaging", 18290, 2, Map.of(), Map.of(
                "switchboard.webhooks.allow-private-targets", "true", "switchboard.webhooks.first-retry", "300ms",
                "switchboard.webhooks.max-retry-interval", "2s", "switchboard.messages.send-rate", "20"));
        steps = new ClusterSteps(cluster);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void queuedTextsAndPendingWebhooksSurviveKillNine() throws Exception {
        ServiceProcess a = cluster.replicas.get(0);
        UUID org = steps.organization(a, "Failover with texts");
        String jid = steps.link(a, org);
        String phone = jid.substring(0, jid.indexOf(':'));
        String friend = "1549" + (1_000_000 + (long) (Math.random() * 8_999_999));
        cluster.on(cluster.sandbox).body(Map.of("to", phone, "text", "hi")).post("/sandbox/v1/accounts/" + friend + "/messages")
                .then().statusCode(202);
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
        cluster.on(a).body(Map.of("url", url, "events", List.of("message.status", "message.received", "session.state_changed")))
                .post("/api/v1/organizations/" + org + "/webhooks").then().statusCode(201);

        ServiceProcess owner = cluster.owner(org);
        ServiceProcess other = cluster.replicas.stream().filter(r -> r != owner).findFirst().orElseThrow();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            if (i == 8) {
                owner.kill9();
            }
            ids.add(cluster.on(other).header("Idempotency-Key", "failover-" + i).body(Map.of("to", friend, "text", "text " + i))
                    .post("/api/v1/organizations/" + org + "/whatsapp/messages").then().statusCode(202).extract().path("id"));
        }
        // The same keys again on the survivor: the first answers, nothing queued twice.
        for (int i = 0; i < 20; i++) {
            assertTrue(ids.contains(cluster.on(other).header("Idempotency-Key", "failover-" + i).body(Map.of("to", friend, "text",
                    "text " + i)).post("/api/v1/organizations/" + org + "/whatsapp/messages").then().statusCode(202)
                    .extract().<String>path("id")));
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (cluster.count("SELECT count(*) FROM whatsapp_outbound_message WHERE organization_id = ? AND status IN ('delivered',"
                + " 'read')", org) < ids.size()) {
            assertTrue(System.currentTimeMillis() < deadline, "delivered only " + cluster.count("SELECT count(*) FROM"
                    + " whatsapp_outbound_message WHERE organization_id = ? AND status IN ('delivered', 'read')", org) + " of 20");
            Thread.sleep(250);
        }
        List<Map<String, Object>> onPhone = cluster.on(cluster.sandbox).get("/sandbox/v1/accounts/" + friend + "/messages").then()
                .statusCode(200).extract().jsonPath().getList("received");
        for (int i = 0; i < 20; i++) {
            String text = "text " + i;
            assertEquals(1, onPhone.stream().filter(m -> text.equals(m.get("text"))).count(), text + " reached the phone once");
        }

        receiverUp.set(true);
        // Every event written once the endpoint was committed has a delivery (one written in the same instant
        // may not: its transaction did not see the endpoint yet); each delivery's event must arrive.
        assertEquals(0, cluster.count("SELECT count(*) FROM whatsapp_event e WHERE organization_id = ? AND type IN"
                + " ('message.status', 'message.received', 'session.state_changed') AND created_at > (SELECT created_at"
                + " + interval '1 second' FROM webhook_endpoint WHERE organization_id = ?) AND NOT EXISTS (SELECT 1 FROM"
                + " webhook_delivery d WHERE d.event_seq = e.seq)", org, org), "an event without a delivery");
        long events = cluster.count("SELECT count(*) FROM webhook_delivery WHERE organization_id = ?", org);
        deadline = System.currentTimeMillis() + 60_000;
        while (received.size() < events) {
            assertTrue(System.currentTimeMillis() < deadline, "webhooks received " + received.size() + " of " + events);
            Thread.sleep(250);
        }
        assertEquals(events, received.size(), "every event once by id (redeliveries reuse it)");
        assertEquals(0, cluster.count("SELECT count(*) FROM webhook_delivery WHERE organization_id = ? AND status <> 'delivered'",
                org), "every delivery done");
        long statuses = bodies.values().stream().map(JsonObject::new).filter(b -> "message.status".equals(b.getString("type"))).count();
        assertTrue(statuses >= 60, "queued, sent and delivered for each of the 20 texts: " + statuses);
        // The killed replica comes back: nothing it had in flight goes out a second time.
        cluster.heal();
        Thread.sleep(5_000);
        List<Map<String, Object>> afterRestart = cluster.on(cluster.sandbox).get("/sandbox/v1/accounts/" + friend + "/messages")
                .then().statusCode(200).extract().jsonPath().getList("received");
        for (int i = 0; i < 20; i++) {
            String text = "text " + i;
            assertEquals(1, afterRestart.stream().filter(m -> text.equals(m.get("text"))).count(), text + " still once after the restart");
        }
        assertEquals(20, cluster.count("SELECT count(*) FROM whatsapp_outbound_message WHERE organization_id = ?", org));
        System.out.printf("failover: 20 texts queued on the other replica around a kill -9, %d events delivered (%d requests)%n",
                received.size(), received.values().stream().mapToInt(AtomicInteger::get).sum());
    }

    /**
     * Files across a crash: five 2 MB documents accepted by the replica that does not run the
     * connection, the one that does killed (-9) as they are being uploaded. The survivor uploads
     * what was left (a staged blob is in PostgreSQL, an upload recorded is reused) and each file
     * reaches the phone once, byte-exact by the phone's own check.
     */
    @Test
    void acceptedFilesAreSentOnceAcrossKillNine() throws Exception {
        ServiceProcess a = cluster.replicas.get(0);
        UUID org = steps.organization(a, "Failover with files");
        String jid = steps.link(a, org);
        String phone = jid.substring(0, jid.indexOf(':'));
        String friend = "1548" + (1_000_000 + (long) (Math.random() * 8_999_999));
        cluster.on(cluster.sandbox).body(Map.of("to", phone, "text", "send the files")).post("/sandbox/v1/accounts/" + friend
                + "/messages").then().statusCode(202);
        ServiceProcess owner = cluster.owner(org);
        ServiceProcess other = cluster.replicas.stream().filter(r -> r != owner).findFirst().orElseThrow();
        java.util.Map<String, String> sha = new java.util.HashMap<>();
        for (int i = 0; i < 5; i++) {
            byte[] file = new byte[2 * 1024 * 1024 + i];
            new java.util.Random(i).nextBytes(file);
            System.arraycopy("%PDF-1.4\n".getBytes(StandardCharsets.ISO_8859_1), 0, file, 0, 9);
            String id = cluster.on(other).contentType("multipart/form-data").multiPart("to", friend).multiPart("type", "document")
                    .multiPart("fileName", "file-" + i + ".pdf").multiPart("file", "f.pdf", file, "application/pdf")
                    .post("/api/v1/organizations/" + org + "/whatsapp/messages").then().statusCode(202).extract().path("id");
            sha.put(id, java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256").digest(file)));
            if (i == 1) {
                owner.kill9();
            }
        }
        long deadline = System.currentTimeMillis() + 90_000;
        while (cluster.count("SELECT count(*) FROM whatsapp_outbound_message WHERE organization_id = ? AND status IN ('delivered',"
                + " 'read')", org) < 5) {
            assertTrue(System.currentTimeMillis() < deadline, "files delivered: " + cluster.count("SELECT count(*) FROM"
                    + " whatsapp_outbound_message WHERE organization_id = ? AND status IN ('delivered', 'read')", org) + " of 5");
            Thread.sleep(250);
        }
        cluster.heal();
        Thread.sleep(3_000);
        List<Map<String, Object>> onPhone = cluster.on(cluster.sandbox).get("/sandbox/v1/accounts/" + friend + "/messages").then()
                .statusCode(200).extract().jsonPath().getList("received");
        for (String digest : sha.values()) {
            List<Map<String, Object>> copies = onPhone.stream().filter(m -> m.get("media") != null
                    && digest.equals(((Map<?, ?>) m.get("media")).get("sha256"))).toList();
            assertEquals(1, copies.size(), "a file reached the phone once: " + copies);
            assertEquals(null, ((Map<?, ?>) copies.get(0).get("media")).get("problem"), "the phone's check: " + copies);
        }
        System.out.printf("failover: 5 files accepted on the other replica around a kill -9, each delivered once%n");
    }
    /**
     * A received file the media host forgot is fetched again through the replica that does not run
     * the connection: it hands the media retry to the owner (through PostgreSQL), whose phone
     * uploads the file again, then downloads the new upload itself.
     */
    @Test
    void aForgottenFileIsFetchedAgainThroughTheOwnerFromTheOtherReplica() throws Exception {
        ServiceProcess a = cluster.replicas.get(0);
        UUID org = steps.organization(a, "Media retry across replicas");
        String jid = steps.link(a, org);
        String phone = jid.substring(0, jid.indexOf(':'));
        String friend = "1549" + (1_000_000 + (long) (Math.random() * 8_999_999));
        byte[] file = new byte[300_000];
        new java.util.Random(7).nextBytes(file);
        System.arraycopy("%PDF-1.4\n".getBytes(StandardCharsets.ISO_8859_1), 0, file, 0, 9);
        cluster.on(cluster.sandbox).body(Map.of("to", phone, "media", Map.of("type", "document", "mimetype", "application/pdf",
                "fileName", "old.pdf", "data", java.util.Base64.getEncoder().encodeToString(file))))
                .post("/sandbox/v1/accounts/" + friend + "/messages").then().statusCode(202);
        ServiceProcess owner = cluster.owner(org);
        ServiceProcess other = cluster.replicas.stream().filter(r -> r != owner && r.alive()).findFirst().orElseThrow();
        String messages = "/api/v1/organizations/" + org + "/whatsapp/messages";
        long deadline = System.currentTimeMillis() + 20_000;
        List<Map<String, Object>> items = List.of();
        while (items.isEmpty()) {
            assertTrue(System.currentTimeMillis() < deadline, "the file was not stored");
            Thread.sleep(200);
            items = cluster.on(other).get(messages + "?direction=in").then().statusCode(200).extract().jsonPath().getList("items");
        }
        String url = (String) ((Map<?, ?>) items.get(0).get("media")).get("downloadUrl");
        cluster.on(cluster.sandbox).body(Map.of("phone", friend)).post("/sandbox/v1/media/expire").then().statusCode(200);
        io.restassured.response.Response answer = cluster.on(other).get(url);
        assertEquals(200, answer.statusCode(), answer.asString());
        byte[] again = answer.asByteArray();
        assertTrue(java.util.Arrays.equals(file, again), "the bytes the phone sent, fetched again through the owner");
        System.out.printf("media retry: a forgotten file fetched again through the other replica%n");
    }

    /**
     * A group conversation across a crash: the group is created through the replica that does not
     * run the connection (the owner asks WhatsApp), texts to it are queued there and the owner is
     * killed (-9) mid-way. The survivor sends the rest under the group's stored sender key (a phone
     * that never got it asks again and gets it): every text reaches both member phones once.
     */
    @Test
    void aGroupConversationLosesNothingAcrossKillNine() throws Exception {
        ServiceProcess a = cluster.replicas.stream().filter(ServiceProcess::alive).findFirst().orElseThrow();
        UUID org = steps.organization(a, "Failover in a group");
        String jid = steps.link(a, org);
        String phone = jid.substring(0, jid.indexOf(':'));
        List<String> friends = List.of("1547" + (1_000_000 + (long) (Math.random() * 8_999_999)),
                "1546" + (1_000_000 + (long) (Math.random() * 8_999_999)));
        for (String friend : friends) {
            cluster.on(cluster.sandbox).body(Map.of("to", phone, "text", "add me")).post("/sandbox/v1/accounts/" + friend + "/messages")
                    .then().statusCode(202);
        }
        ServiceProcess owner = cluster.owner(org);
        ServiceProcess other = cluster.replicas.stream().filter(r -> r != owner && r.alive()).findFirst().orElseThrow();
        String group = cluster.on(other).body(Map.of("subject", "Night shift", "participants", friends))
                .post("/api/v1/organizations/" + org + "/whatsapp/groups").then().statusCode(201).extract().path("id");
        assertEquals("Night shift", cluster.on(other).get("/api/v1/organizations/" + org + "/whatsapp/groups/" + group).then()
                .statusCode(200).extract().path("subject"));
        for (int i = 0; i < 10; i++) {
            if (i == 4) {
                owner.kill9();
            }
            cluster.on(other).header("Idempotency-Key", "group-" + i).body(Map.of("to", group, "text", "shift note " + i))
                    .post("/api/v1/organizations/" + org + "/whatsapp/messages").then().statusCode(202);
        }
        long deadline = System.currentTimeMillis() + 90_000;
        while (cluster.count("SELECT count(*) FROM whatsapp_outbound_message WHERE organization_id = ? AND status IN ('delivered',"
                + " 'read')", org) < 10) {
            assertTrue(System.currentTimeMillis() < deadline, "group texts delivered: " + cluster.count("SELECT count(*) FROM"
                    + " whatsapp_outbound_message WHERE organization_id = ? AND status IN ('delivered', 'read')", org) + " of 10");
            Thread.sleep(250);
        }
        cluster.heal();
        deadline = System.currentTimeMillis() + 30_000;
        for (String friend : friends) {
            for (int i = 0; i < 10; i++) {
                String text = "shift note " + i;
                long copies;
                while ((copies = cluster.on(cluster.sandbox).get("/sandbox/v1/accounts/" + friend + "/messages").then().statusCode(200)
                        .extract().jsonPath().<Map<String, Object>>getList("received").stream()
                        .filter(m -> text.equals(m.get("text")) && group.equals(m.get("chat"))).count()) == 0) {
                    assertTrue(System.currentTimeMillis() < deadline, text + " never reached " + friend);
                    Thread.sleep(250);
                }
                assertEquals(1, copies, text + " reached " + friend + " once");
            }
        }
        System.out.printf("failover: 10 group texts queued on the other replica around a kill -9, each read once by both phones%n");
    }
}
