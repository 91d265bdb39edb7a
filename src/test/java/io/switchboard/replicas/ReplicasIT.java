package io.switchboard.replicas;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deployment as it runs: two replicas of the packaged service sharing one PostgreSQL, a third
 * process as WhatsApp, every setting at its default. Dashboards' calls land on any replica;
 * replicas are killed, frozen, stopped and started again.
 */
class ReplicasIT {

    private static ReplicaCluster cluster;
    private static ClusterSteps steps;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = ReplicaCluster.start("sb_replicas", 18190, 2, Map.of(), Map.of());
        steps = new ClusterSteps(cluster);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void everyReplicaRuns() throws Exception {
        cluster.heal();
    }

    @AfterEach
    void nothingIsStuck() {
        for (ServiceProcess replica : cluster.replicas) {
            if (replica.alive()) {
                assertEquals(0.0, cluster.metric(replica, "switchboard_whatsapp_stuck"), replica.name + " reports stuck sessions");
            }
        }
    }

    @Test
    void everyReplicaAnswersEveryEndpoint() throws Exception {
        ServiceProcess a = replica(0);
        ServiceProcess b = replica(1);
        UUID org = steps.organization(a, "Everywhere");
        JsonPath qr = steps.qrFrom(a, org, "init-baileys");
        JsonPath onB = cluster.on(b).get(ClusterSteps.base(org) + "/qrcode").then().statusCode(200).extract().jsonPath();
        assertEquals(qr.getString("qr"), onB.getString("qr"), "the QR shown by A is served by B");

        BlockingQueue<String> events = stream(b, org);
        assertTrue(events.poll(10, TimeUnit.SECONDS).contains("\"type\":\"qr\""), "B's SSE stream shows the QR");
        String jid = steps.scan(qr.getString("qr"));
        String next = events.poll(10, TimeUnit.SECONDS);
        while (next != null && next.contains("\"type\":\"qr\"")) {
            next = events.poll(10, TimeUnit.SECONDS);
        }
        assertNotNull(next);
        assertTrue(next.contains("\"type\":\"connected\""), next);
        steps.awaitStatus(a, org, s -> "CONNECTED".equals(s.getString("state")), 10_000);
        assertEquals(jid, steps.status(b, org).getString("jid"));

        ServiceProcess owner = cluster.owner(org);
        ServiceProcess other = owner == a ? b : a;
        cluster.on(other).post(ClusterSteps.base(org) + "/init-baileys").then().statusCode(400).body("reason", equalTo("already-connected"));
        cluster.on(other).post(ClusterSteps.base(org) + "/reconnect").then().statusCode(200).body("state", equalTo("CONNECTED"));
        cluster.on(other).delete(ClusterSteps.base(org) + "/disconnect").then().statusCode(200).body("status.state", equalTo("DISCONNECTED"));
        awaitDeviceGone(jid);

        JsonPath again = steps.qrFrom(other, org, "init-baileys");
        assertNotEquals(qr.getString("qr"), again.getString("qr"));
        cluster.on(owner).get(ClusterSteps.base(org) + "/qrcode").then().statusCode(200).body("qr", equalTo(again.getString("qr")));
        cluster.on(owner).delete(ClusterSteps.base(org) + "/disconnect").then().statusCode(200);
        cluster.on(other).get(ClusterSteps.base(org) + "/qrcode").then().statusCode(400).body("reason", equalTo("no-linking-in-progress"));
        assertEquals(0, cluster.count("SELECT count(*) FROM whatsapp_command WHERE done_at IS NULL"), "no command left over");
    }

    @Test
    void aPairingCodeAskedOnTheOtherReplicaLinks() throws Exception {
        ServiceProcess a = replica(0);
        ServiceProcess b = replica(1);
        UUID org = steps.organization(a, "Code everywhere");
        steps.qrFrom(a, org, "init-baileys");
        ServiceProcess owner = cluster.owner(org);
        ServiceProcess other = owner == a ? b : a;
        String phone = "1555" + (1_000_000 + (long) (Math.random() * 8_999_999));
        io.restassured.response.Response answer;
        long deadline = System.currentTimeMillis() + 20_000;
        do {
            answer = cluster.on(other).body(Map.of("phoneNumber", "+" + phone)).post(ClusterSteps.base(org) + "/pairing-code");
        } while (answer.statusCode() == 202 && System.currentTimeMillis() < deadline && sleep(200));
        assertEquals(200, answer.statusCode(), answer.asString());
        String code = answer.jsonPath().getString("code");
        assertEquals(code, steps.status(owner, org).getString("pairingCode.code"), "the owner's status shows the code");
        cluster.on(cluster.sandbox).body(Map.of("phone", phone, "code", code)).post("/sandbox/v1/pair-code").then().statusCode(200);
        steps.awaitStatus(other, org, s -> "CONNECTED".equals(s.getString("state")), 15_000);
        assertEquals(phone, steps.status(other, org).getString("phoneNumber"));
        cluster.on(other).delete(ClusterSteps.base(org) + "/disconnect").then().statusCode(200);
    }

    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }

    @Test
    void killNineOfTheOwnerFailsOverInUnderTenSeconds() throws Exception {
        UUID org = steps.organization(replica(0), "Kill -9");
        String jid = steps.link(replica(0), org);
        ServiceProcess owner = cluster.owner(org);
        long killed = System.nanoTime();
        owner.kill9();
        ServiceProcess survivor = survivorOf(owner);
        steps.awaitStatus(survivor, org, s -> "CONNECTED".equals(s.getString("state")) && ownedBy(org, survivor), 20_000);
        awaitOnline(jid);
        long millis = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf("failover: kill -9 of the owner → online through the other replica in %d ms%n", millis);
        assertTrue(millis < 10_000, "failover took " + millis + " ms");
    }

    /**
     * A phone writes forty texts to an organization; after the fifteenth the replica running its
     * connection freezes (SIGSTOP), ten more reach its socket unread, then it is killed (-9). Texts
     * it was handed but had not stored were never acknowledged, so WhatsApp hands them to the
     * device again when the other replica logs it in with the sessions PostgreSQL holds: every text
     * is stored once, each decrypts, and each gets its receipt.
     */
    @Test
    void killNineMidConversationLosesNoText() throws Exception {
        UUID org = steps.organization(replica(0), "Conversation under kill -9");
        String jid = steps.link(replica(0), org);
        String phone = jid.substring(0, jid.indexOf(':'));
        String friend = "1554" + (1_000_000 + (long) (Math.random() * 8_999_999));
        awaitPreKeys(phone);
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        ServiceProcess owner = cluster.owner(org);
        for (int i = 0; i < 40; i++) {
            if (i == 15) {
                owner.freeze();
            }
            if (i == 25) {
                owner.kill9();
            }
            ids.add(cluster.on(cluster.sandbox).body(Map.of("to", phone, "text", "text " + i))
                    .post("/sandbox/v1/accounts/" + friend + "/messages").then().statusCode(202).extract().path("id"));
            Thread.sleep(40);
        }
        ServiceProcess survivor = survivorOf(owner);
        long deadline = System.currentTimeMillis() + 30_000;
        while (cluster.count("SELECT count(*) FROM whatsapp_inbound_message WHERE organization_id = ?", org) < ids.size()) {
            assertTrue(System.currentTimeMillis() < deadline, "stored only " + cluster.count(
                    "SELECT count(*) FROM whatsapp_inbound_message WHERE organization_id = ?", org) + " of " + ids.size());
            Thread.sleep(200);
        }
        java.util.Set<String> stored = new java.util.HashSet<>();
        for (String id : ids) {
            if (cluster.count("SELECT count(*) FROM whatsapp_inbound_message WHERE organization_id = ? AND message_id = ?",
                    org, id) == 1) {
                stored.add(id);
            }
        }
        assertEquals(ids, stored, "every text stored exactly once");
        assertEquals(0, cluster.metric(survivor, "switchboard_whatsapp_messages_undelivered_total"), "every text decrypted");
        deadline = System.currentTimeMillis() + 10_000;
        long receipted = 0;
        while (System.currentTimeMillis() < deadline) {
            List<Map<String, Object>> sent = cluster.on(cluster.sandbox).get("/sandbox/v1/accounts/" + friend + "/messages")
                    .then().statusCode(200).extract().jsonPath().getList("sent");
            receipted = sent.stream().filter(m -> ((List<?>) m.get("receipts")).stream()
                    .anyMatch(r -> r.toString().contains(phone + ":"))).count();
            if (receipted == ids.size()) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals(ids.size(), receipted, "the phone got a delivery receipt for every text");
    }

    private static void awaitPreKeys(String phone) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            List<Map<String, Object>> devices = cluster.on(cluster.sandbox).get("/sandbox/v1/devices").then().extract()
                    .jsonPath().getList("$");
            if (devices.stream().anyMatch(d -> phone.equals(d.get("phone")) && ((Integer) d.get("preKeys")) > 0)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the device never uploaded its pre-keys");
    }

    @Test
    void aFrozenOwnerStandsDownWhenItWakes() throws Exception {
        UUID org = steps.organization(replica(0), "Frozen");
        String jid = steps.link(replica(0), org);
        ServiceProcess owner = cluster.owner(org);
        ServiceProcess survivor = survivorOf(owner);
        String transitionsBefore = cluster.queryString("SELECT max(id) FROM whatsapp_session_transition");
        owner.freeze();
        long frozen = System.nanoTime();
        try {
            steps.awaitStatus(survivor, org, s -> "CONNECTED".equals(s.getString("state")) && ownedBy(org, survivor), 20_000);
            System.out.printf("failover: SIGSTOP of the owner → online through the other replica in %d ms%n",
                    (System.nanoTime() - frozen) / 1_000_000);
        } finally {
            owner.wake();
        }
        Thread.sleep(5000);
        JsonPath after = steps.status(survivor, org);
        assertEquals("CONNECTED", after.getString("state"));
        assertTrue(ownedBy(org, survivor), "the woken replica stood down");
        assertEquals(0, cluster.count("SELECT count(*) FROM whatsapp_session_transition WHERE organization_id = ? AND id > ?"
                + " AND event = 'REPLACED'", org, Long.parseLong(transitionsBefore)), "no 440 fight");
        awaitOnline(jid);
        assertTrue(cluster.metric(owner, "switchboard_whatsapp_lease_losses_total") >= 1, "the woken replica counted its lost claim");
        assertEquals(0, cluster.metric(owner, "switchboard_whatsapp_clients"), "the woken replica runs no client");
    }

    @Test
    void restartDuringLinkingEndsItVisibly() throws Exception {
        ServiceProcess a = replica(0);
        UUID org = steps.organization(a, "Interrupted");
        steps.qrFrom(a, org, "init-baileys");
        ServiceProcess owner = cluster.owner(org);
        owner.kill9();
        ServiceProcess survivor = survivorOf(owner);
        JsonPath failed = steps.awaitStatus(survivor, org, s -> "FAILED".equals(s.getString("state")), 20_000);
        assertTrue(failed.getBoolean("canReconnect"));
        cluster.on(survivor).get(ClusterSteps.base(org) + "/qrcode").then().statusCode(400).body("reason", equalTo("linking-failed"));
        assertEquals(1, cluster.count("SELECT count(*) FROM whatsapp_session_transition WHERE organization_id = ?"
                + " AND event = 'INTERRUPTED'", org));
        assertNotNull(steps.qrFrom(survivor, org, "reconnect").getString("qr"), "linking again works at once");
        cluster.on(survivor).delete(ClusterSteps.base(org) + "/disconnect").then().statusCode(200);
    }

    @Test
    void aCleanShutdownHandsOverAtOnce() throws Exception {
        UUID org = steps.organization(replica(0), "Handover");
        String jid = steps.link(replica(0), org);
        ServiceProcess owner = cluster.owner(org);
        ServiceProcess survivor = survivorOf(owner);
        long stopping = System.nanoTime();
        owner.stop();
        steps.awaitStatus(survivor, org, s -> "CONNECTED".equals(s.getString("state")) && ownedBy(org, survivor), 10_000);
        awaitOnline(jid);
        long millis = (System.nanoTime() - stopping) / 1_000_000;
        System.out.printf("handover: SIGTERM of the owner → online through the other replica in %d ms%n", millis);
        assertTrue(millis < 6000, "a clean shutdown must not wait for the lease (6 s): " + millis + " ms");
    }

    @Test
    void deletingOnTheNonOwnerUnlinksTheDevice() throws Exception {
        UUID org = steps.organization(replica(0), "Deleted elsewhere");
        String jid = steps.link(replica(0), org);
        ServiceProcess owner = cluster.owner(org);
        ServiceProcess other = survivorOf(owner);
        long clientsBefore = (long) cluster.metric(owner, "switchboard_whatsapp_clients");
        cluster.on(other).delete("/api/v1/organizations/" + org).then().statusCode(204);
        awaitDeviceGone(jid);
        long deadline = System.currentTimeMillis() + 5000;
        while (cluster.metric(owner, "switchboard_whatsapp_clients") >= clientsBefore) {
            assertTrue(System.currentTimeMillis() < deadline, "the owner still runs the deleted organization's client");
            Thread.sleep(100);
        }
        assertEquals(0, cluster.count("SELECT count(*) FROM whatsapp_device_removal"), "the removal was carried out");
    }

    // ---- steps ---------------------------------------------------------------------------------------

    private static ServiceProcess replica(int index) {
        return cluster.replicas.get(index);
    }

    private static ServiceProcess survivorOf(ServiceProcess gone) {
        assertNotNull(gone, "someone owns the connection");
        return cluster.replicas.stream().filter(r -> r != gone).findFirst().orElseThrow();
    }

    private static boolean ownedBy(UUID org, ServiceProcess replica) {
        try {
            return cluster.owner(org) == replica;
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    private static List<Map<String, Object>> devices() {
        return cluster.on(cluster.sandbox).get("/sandbox/v1/devices").then().statusCode(200).extract().jsonPath().getList("");
    }

    private static void awaitOnline(String jid) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (devices().stream().noneMatch(d -> jid.equals(d.get("deviceJid")) && Boolean.TRUE.equals(d.get("online")))) {
            assertTrue(System.currentTimeMillis() < deadline, jid + " is not online at WhatsApp");
            Thread.sleep(100);
        }
    }

    private static void awaitDeviceGone(String jid) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (devices().stream().anyMatch(d -> jid.equals(d.get("deviceJid")))) {
            assertTrue(System.currentTimeMillis() < deadline, jid + " is still linked at WhatsApp: a ghost device");
            Thread.sleep(200);
        }
    }


    /** The SSE stream of {@code org} on {@code replica}: each "data:" line, as it arrives. */
    private static BlockingQueue<String> stream(ServiceProcess replica, UUID org) {
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create(replica.url() + ClusterSteps.base(org) + "/qrcode/stream"))
                .header("Authorization", "Bearer " + cluster.adminToken()).header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(60)).build();
        HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenAccept(response -> response.body().filter(line -> line.startsWith("data:")).forEach(events::add));
        return events;
    }
}
