package io.switchboard.replicas;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rotating {@code switchboard.credentials.key} end to end, with the packaged service: data in every
 * sealed table under key A (credentials, Signal sessions, received and sent texts, events, a webhook
 * secret and its rotated-out predecessor, a QR being shown), the replica restarted with "B,A" until
 * every {@code switchboard_sealed_stale} gauge reads 0, then with B alone: the organization logs in
 * again, its texts and events read, the webhook delivers with a signature its secret verifies, a new
 * text goes out over the old Signal session. Started with a key no row is under, it refuses to start
 * and names the tables.
 */
class KeyRotationIT {

    private static final String SEALED_TABLES = "whatsapp_credentials:key_id whatsapp_session:qr_key_id"
            + " whatsapp_signal_session:key_id whatsapp_inbound_message:key_id whatsapp_outbound_message:key_id"
            + " whatsapp_event:key_id webhook_endpoint:key_id webhook_endpoint:previous_key_id";

    private static ReplicaCluster cluster;
    private static ClusterSteps steps;
    private static HttpServer receiver;
    private static final List<String[]> deliveries = new CopyOnWriteArrayList<>();
    private static final String KEY_A = key();
    private static final String KEY_B = key();

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            deliveries.add(new String[] {exchange.getRequestHeaders().getFirst("webhook-id"),
                exchange.getRequestHeaders().getFirst("webhook-timestamp"), exchange.getRequestHeaders().getFirst("webhook-signature"),
                body});
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        cluster = ReplicaCluster.start("sb_rotation", 18310, 1, Map.of(), Map.of(
                "switchboard.credentials.key", KEY_A, "switchboard.webhooks.allow-private-targets", "true",
                "switchboard.webhooks.first-retry", "300ms", "switchboard.credentials.reseal-batch", "7",
                "switchboard.credentials.reseal-interval", "3s"));
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
    void rotateThroughTwoKeysThenRemoveTheOldOne() throws Exception {
        ServiceProcess a = cluster.replicas.get(0);
        UUID org = steps.organization(a, "Rotation");
        String jid = steps.link(a, org);
        String phone = jid.substring(0, jid.indexOf(':'));
        String friend = "1548" + (1_000_000 + (long) (Math.random() * 8_999_999));
        String hooks = "/api/v1/organizations/" + org + "/webhooks";
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
        String webhookId = cluster.on(a).body(Map.of("url", url, "events", List.of("message.received", "message.status")))
                .post(hooks).then().statusCode(201).extract().path("id");
        String secret = cluster.on(a).post(hooks + "/" + webhookId + "/rotate-secret").then().statusCode(200).extract().path("secret");
        cluster.on(cluster.sandbox).body(Map.of("to", phone, "text", "written under A")).post("/sandbox/v1/accounts/" + friend
                + "/messages").then().statusCode(202);
        String sent = send(a, org, friend, "sent under A");
        awaitStatus(a, org, sent, "delivered");
        UUID linking = steps.organization(a, "Linking while rotating");
        steps.qrFrom(a, linking, "init-baileys");
        for (String sealed : SEALED_TABLES.split(" ")) {
            String[] column = sealed.split(":");
            assertTrue(cluster.count("SELECT count(*) FROM " + column[0] + " WHERE " + column[1] + " IS NOT NULL") > 0,
                    "data under A in " + sealed);
        }
        String idA = cluster.queryString("SELECT key_id FROM whatsapp_credentials WHERE organization_id = ?", org);
        long rows = sealedRows(null);

        a.stop();
        a = restart(a, KEY_B + "," + KEY_A);
        ServiceProcess rotating = a;
        long started = System.nanoTime();
        await("every sealed row under B").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> sealedRows(idA) == 0 && cluster.metric(rotating, "switchboard_sealed_stale") == 0);
        System.out.printf("key rotation: %d sealed rows re-sealed in %d ms (batches of 7)%n", rows,
                (System.nanoTime() - started) / 1_000_000);
        assertEquals(10, cluster.metricSamples(a, "switchboard_sealed_stale"), "one gauge per sealed column");

        a.stop();
        a = restart(a, KEY_B);
        steps.awaitStatus(a, org, s -> "CONNECTED".equals(s.getString("state")), 20_000);
        List<String> in = cluster.on(a).get("/api/v1/organizations/" + org + "/whatsapp/messages?direction=in").then()
                .statusCode(200).extract().jsonPath().getList("items.text");
        List<String> out = cluster.on(a).get("/api/v1/organizations/" + org + "/whatsapp/messages?direction=out").then()
                .statusCode(200).extract().jsonPath().getList("items.text");
        assertTrue(in.contains("written under A") && out.contains("sent under A"), "texts read under B: " + in + " " + out);
        assertTrue(eventsInclude(a, org, "written under A"), "the events sealed under A read");
        String later = send(a, org, friend, "sent under B");
        awaitStatus(a, org, later, "delivered");
        List<String> onPhone = cluster.on(cluster.sandbox).get("/sandbox/v1/accounts/" + friend + "/messages").then()
                .statusCode(200).extract().jsonPath().getList("received.text");
        assertTrue(onPhone.contains("sent under B"), "the phone decrypted the text sent over the re-sealed session: " + onPhone);
        await("a signed delivery of the later text").atMost(Duration.ofSeconds(20))
                .until(() -> deliveries.stream().anyMatch(d -> d[3].contains(later) && verifies(secret, d)));

        a.stop();
        ServiceProcess wrong = a.with(Map.of("switchboard.credentials.key", key()), "256m");
        IllegalStateException refused = assertThrows(IllegalStateException.class, wrong::start);
        assertTrue(refused.getMessage().contains("exited"), refused.getMessage());
        String log = Files.readString(Path.of("target", "replicas", a.name + ".log"));
        assertTrue(log.contains("Refusing to start: stored rows are sealed under keys missing"), "the refusal is logged");
        for (String table : List.of("whatsapp_credentials", "whatsapp_event", "whatsapp_inbound_message", "webhook_endpoint")) {
            assertTrue(log.contains(table + " (key "), "the refusal names " + table);
        }
        cluster.replicas.set(0, restart(a, KEY_B));
    }

    /** A production build documents only what it serves: no sandbox and no development-token operations. */
    @Test
    void theProductionDocumentHasNoSandboxOrDevelopmentOperations() {
        String document = cluster.on(cluster.replicas.get(0)).get("/q/openapi?format=json").then().statusCode(200).extract()
                .asString();
        io.vertx.core.json.JsonObject paths = new io.vertx.core.json.JsonObject(document).getJsonObject("paths");
        assertTrue(paths.fieldNames().stream().allMatch(path -> path.startsWith("/api/v1/")), "only /api/v1: " + paths.fieldNames());
        assertEquals(30, paths.fieldNames().size(), paths.fieldNames().toString());
        assertTrue(!document.contains("\"Sandbox\"") || !document.contains("/sandbox/v1"), "no sandbox operations");
    }

    private static ServiceProcess restart(ServiceProcess replica, String keys) throws Exception {
        ServiceProcess next = replica.with(Map.of("switchboard.credentials.key", keys), "256m").start();
        cluster.replicas.set(0, next);
        return next;
    }

    /** Sealed rows in every table, or (keyId given) those still under that key. */
    private static long sealedRows(String keyId) throws Exception {
        long total = 0;
        for (String sealed : SEALED_TABLES.split(" ")) {
            String[] column = sealed.split(":");
            total += keyId == null
                    ? cluster.count("SELECT count(*) FROM " + column[0] + " WHERE " + column[1] + " IS NOT NULL")
                    : cluster.count("SELECT count(*) FROM " + column[0] + " WHERE " + column[1] + " = ?", keyId);
        }
        return total;
    }

    private static String send(ServiceProcess replica, UUID org, String to, String text) {
        return cluster.on(replica).body(Map.of("to", to, "text", text)).post("/api/v1/organizations/" + org + "/whatsapp/messages")
                .then().statusCode(202).extract().path("id");
    }

    private static void awaitStatus(ServiceProcess replica, UUID org, String id, String status) {
        await("message " + id + " " + status).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.on(replica).get("/api/v1/organizations/" + org + "/whatsapp/messages/" + id)
                        .then().extract().path("status"), status::equals);
    }

    /** Whether the organization's event stream, read from its start, brings an event holding {@code text} within 10 s. */
    private static boolean eventsInclude(ServiceProcess replica, UUID org, String text) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(replica.url() + "/api/v1/organizations/" + org + "/whatsapp/events"))
                .header("Authorization", "Bearer " + cluster.adminToken()).header("Accept", "text/event-stream")
                .header("Last-Event-ID", "0").build();
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        CompletableFuture<Boolean> found = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("data:") && line.contains(text)) {
                        return true;
                    }
                }
                return false;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        try {
            return found.get(10, TimeUnit.SECONDS);
        } finally {
            response.body().close();
        }
    }

    private static boolean verifies(String secret, String[] delivery) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal((delivery[0] + "." + delivery[1] + "."
                    + delivery[3]).getBytes(StandardCharsets.UTF_8)));
            return List.of(delivery[2].split(" ")).contains(expected);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
