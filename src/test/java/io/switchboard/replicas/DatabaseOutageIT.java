package io.switchboard.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.restassured.path.json.JsonPath;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three replicas; PostgreSQL stops for 15 s. While WhatsApp drops a connection: the replica stops
 * what it can no longer vouch for, and once the database is back the connection is online again,
 * stored state and running client agreeing. While texts are queued and being sent, the phone reads
 * some and webhooks are pending: every text reaches the phone once, every status is stored, every
 * event is delivered, and requests during the outage get 503 {@code database-unavailable}, never 500.
 */
class DatabaseOutageIT {

    private static ReplicaCluster cluster;
    private static HttpServer receiver;
    private static final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(new File("/usr/bin/pg_ctlcluster").exists(), "needs pg_ctlcluster to stop the local PostgreSQL");
        assumeTrue(System.getenv("SWITCHBOARD_EMBEDDED_PG") == null,
                "the tests run on the embedded PostgreSQL, which pg_ctlcluster cannot stop");
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.computeIfAbsent(exchange.getRequestHeaders().getFirst("webhook-id"), k -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        cluster = ReplicaCluster.start("sb_outage", 18390, 3, Map.of(), Map.of(
                "switchboard.webhooks.allow-private-targets", "true", "switchboard.webhooks.first-retry", "300ms",
                "switchboard.webhooks.max-retry-interval", "2s"));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void textsStatusesAndWebhooksSurviveTheDatabaseStopping() throws Exception {
        ClusterSteps steps = new ClusterSteps(cluster);
        ServiceProcess first = cluster.replicas.get(0);
        UUID org = steps.organization(first, "Outage with texts");
        String jid = steps.link(first, org);
        String phone = jid.substring(0, jid.indexOf(':'));
        String friend = "1547" + (1_000_000 + (long) (Math.random() * 8_999_999));
        cluster.on(cluster.sandbox).body(Map.of("to", phone, "text", "hi")).post("/sandbox/v1/accounts/" + friend + "/messages")
                .then().statusCode(202);
        cluster.on(first).body(Map.of("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks",
                "events", List.of("message.status", "message.received", "session.state_changed")))
                .post("/api/v1/organizations/" + org + "/webhooks").then().statusCode(201);
        ServiceProcess owner = cluster.owner(org);
        ServiceProcess other = cluster.replicas.stream().filter(r -> r != owner).findFirst().orElseThrow();

        Map<String, String> whatsappIds = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            whatsappIds.put("before " + i, send(other, org, friend, "before " + i).getString("whatsappId"));
        }
        awaitCount(org, "status IN ('delivered', 'read')", 5, 30_000);
        for (int i = 0; i < 5; i++) {
            send(other, org, friend, "in flight " + i);
        }
        postgres("stop");
        List<Integer> answers = new ArrayList<>();
        try {
            // The phone reads the first texts while nothing can be stored: the receipts must not be lost.
            cluster.on(cluster.sandbox).body(Map.of("ids", List.copyOf(whatsappIds.values())))
                    .post("/sandbox/v1/accounts/" + friend + "/read").then().statusCode(200);
            for (int i = 0; i < 3; i++) {
                answers.add(cluster.on(other).header("Idempotency-Key", "outage-during-" + i)
                        .body(Map.of("to", friend, "text", "during " + i)).post("/api/v1/organizations/" + org
                                + "/whatsapp/messages").then().extract().statusCode());
            }
            Thread.sleep(15_000);
        } finally {
            postgres("start");
        }
        assertTrue(answers.stream().allMatch(code -> code == 202 || code == 503), "202 or 503 while the database is down: " + answers);
        for (int i = 0; i < 3; i++) {
            // What was refused is sent again with the same key; what was accepted is answered, not queued twice.
            long deadline = System.currentTimeMillis() + 30_000;
            int code;
            do {
                code = cluster.on(other).header("Idempotency-Key", "outage-during-" + i).body(Map.of("to", friend, "text", "during " + i))
                        .post("/api/v1/organizations/" + org + "/whatsapp/messages").then().extract().statusCode();
                if (code != 202) {
                    assertTrue(code == 503 && System.currentTimeMillis() < deadline, "answer after the outage: " + code);
                    Thread.sleep(500);
                }
            } while (code != 202);
        }

        awaitCount(org, "status IN ('delivered', 'read')", 13, 60_000);
        awaitCount(org, "status = 'read' AND to_phone = '" + friend + "' AND whatsapp_id IN ('"
                + String.join("', '", whatsappIds.values()) + "')", 5, 60_000);
        List<Map<String, Object>> onPhone = cluster.on(cluster.sandbox).get("/sandbox/v1/accounts/" + friend + "/messages").then()
                .statusCode(200).extract().jsonPath().getList("received");
        for (String text : List.of("before 0", "before 4", "in flight 0", "in flight 4", "during 0", "during 2")) {
            assertEquals(1, onPhone.stream().filter(m -> text.equals(m.get("text"))).count(), text + " reached the phone once");
        }
        assertEquals(13, cluster.count("SELECT count(*) FROM whatsapp_outbound_message WHERE organization_id = ?", org));
        // Every event written once the endpoint was committed has a delivery (one written in the same instant
        // may not: its transaction did not see the endpoint yet); each delivery's event must arrive.
        assertEquals(0, cluster.count("SELECT count(*) FROM whatsapp_event e WHERE organization_id = ? AND type IN"
                + " ('message.status', 'message.received', 'session.state_changed') AND created_at > (SELECT created_at"
                + " + interval '1 second' FROM webhook_endpoint WHERE organization_id = ?) AND NOT EXISTS (SELECT 1 FROM"
                + " webhook_delivery d WHERE d.event_seq = e.seq)", org, org), "an event without a delivery");
        long events = cluster.count("SELECT count(*) FROM webhook_delivery WHERE organization_id = ?", org);
        long deadline = System.currentTimeMillis() + 60_000;
        while (cluster.count("SELECT count(*) FROM webhook_delivery WHERE organization_id = ? AND status <> 'delivered'", org) > 0
                || received.size() < events) {
            assertTrue(System.currentTimeMillis() < deadline, "webhooks received " + received.size() + " of " + events);
            Thread.sleep(250);
        }
        System.out.printf("outage: 13 texts around a 15 s database stop, 5 read during it; %d events delivered, answers during it %s%n",
                received.size(), answers);
    }

    private static JsonPath send(ServiceProcess replica, UUID org, String to, String text) {
        return cluster.on(replica).header("Idempotency-Key", "outage-" + text.replace(' ', '-')).body(Map.of("to", to, "text", text))
                .post("/api/v1/organizations/" + org + "/whatsapp/messages").then().statusCode(202).extract().jsonPath();
    }

    private static void awaitCount(UUID org, String where, long expected, long millis) throws Exception {
        String sql = "SELECT count(*) FROM whatsapp_outbound_message WHERE organization_id = ? AND " + where;
        long deadline = System.currentTimeMillis() + millis;
        while (cluster.count(sql, org) < expected) {
            assertTrue(System.currentTimeMillis() < deadline, where + ": only " + cluster.count(sql, org) + " of " + expected);
            Thread.sleep(250);
        }
    }

    @Test
    void aConnectionLostWhileTheDatabaseIsDownComesBack() throws Exception {
        ServiceProcess replica = cluster.replicas.get(0);
        UUID org = UUID.fromString(cluster.on(replica).body(Map.of("name", "Outage")).post("/api/v1/organizations")
                .then().statusCode(201).extract().path("id"));
        String qr = cluster.on(replica).post(ClusterSteps.base(org) + "/init-baileys").then().statusCode(200)
                .extract().path("qr");
        String jid = cluster.on(cluster.sandbox).body(Map.of("qr", qr, "phone", "15557654321"))
                .post("/sandbox/v1/scan").then().statusCode(200).extract().path("deviceJid");
        new ClusterSteps(cluster).awaitStatus(replica, org, s -> "CONNECTED".equals(s.getString("state")), 10_000);

        postgres("stop");
        long stopped = System.nanoTime();
        try {
            cluster.on(cluster.sandbox).post("/sandbox/v1/devices/" + jid + "/drop").then().statusCode(204);
            Thread.sleep(15_000);
        } finally {
            postgres("start");
        }
        JsonPath back = new ClusterSteps(cluster).awaitStatus(replica, org, s -> "CONNECTED".equals(s.getString("state"))
                && s.getString("updatedAt") != null, 30_000);
        System.out.printf("outage: database down 15 s while the connection dropped → connected again %d ms after the stop%n",
                (System.nanoTime() - stopped) / 1_000_000);
        assertEquals(jid, back.getString("jid"));
        long deadline = System.currentTimeMillis() + 15_000;
        while (true) {
            double clients = 0;
            for (ServiceProcess one : cluster.replicas) {
                clients += cluster.metric(one, "switchboard_whatsapp_clients");
            }
            boolean online = cluster.on(cluster.sandbox).get("/sandbox/v1/devices").then().extract().jsonPath()
                    .getList("findAll { it.deviceJid == '" + jid + "' && it.online }").size() == 1;
            if (clients == 1 && online) {
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("expected exactly one client online, found " + clients + " (online: " + online + ")");
            }
            Thread.sleep(200);
        }
        for (ServiceProcess one : cluster.replicas) {
            assertEquals(0.0, cluster.metric(one, "switchboard_whatsapp_stuck"), one.name + " reports stuck sessions");
        }
    }


    private static void postgres(String action) throws Exception {
        File[] versions = new File("/etc/postgresql").listFiles();
        assumeTrue(versions != null && versions.length > 0, "no local PostgreSQL cluster");
        ProcessBuilder command = "stop".equals(action)
                ? new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", versions[0].getName(), "main", "stop", "-m", "fast")
                : new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", versions[0].getName(), "main", action);
        Process process = command.inheritIO().start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("pg_ctlcluster " + action + " failed");
        }
    }
}
