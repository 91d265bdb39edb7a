package io.switchboard.webhook;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.support.Tokens;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks end to end: a real HTTP receiver on loopback, a text sent to the sandbox phone and one
 * received from it. Every request is verified here with the test's own implementation of the
 * Standard Webhooks signature; the receiver's first answers fail and one times out, so deliveries are retried; the
 * statuses of one conversation arrive in order; a delivery is sent again on request; a rotated
 * secret signs alongside the old one.
 */
@QuarkusTest
class WebhooksTest {

    record Received(String id, String timestamp, String signature, String body) {
    }

    private HttpServer receiver;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final AtomicInteger slowLeft = new AtomicInteger();

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = 204;
            if (failuresLeft.getAndDecrement() > 0) {
                status = 500;
            } else {
                if (slowLeft.getAndDecrement() > 0) {
                    // Longer than switchboard.webhooks.timeout (3 s in tests): the sender gives up and retries.
                    try {
                        Thread.sleep(3_500);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                received.add(new Received(exchange.getRequestHeaders().getFirst("webhook-id"),
                        exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        exchange.getRequestHeaders().getFirst("webhook-signature"), new String(body, StandardCharsets.UTF_8)));
            }
            byte[] answer = status == 500 ? "not now".getBytes(StandardCharsets.UTF_8) : new byte[0];
            exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                exchange.getResponseBody().write(answer);
            }
            exchange.close();
        });
        receiver.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    @Test
    void eventsArriveSignedInOrderRetriedAndRedeliverable() throws Exception {
        String ours = randomPhone("1561");
        String theirs = randomPhone("1562");
        UUID org = linkedOrganization("Webhooks", ours);
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
        JsonPath created = as(Tokens.admin()).body(Map.of("url", url, "events", List.of("message.status", "message.received")))
                .post(base(org)).then().statusCode(201).extract().jsonPath();
        String secret = created.getString("secret");
        assertTrue(secret.startsWith("whsec_"), secret);
        String webhook = created.getString("id");
        List<Map<String, Object>> listed = as(Tokens.admin()).get(base(org)).then().statusCode(200).extract().jsonPath().getList("items");
        assertEquals(1, listed.size());
        assertNull(listed.get(0).get("secret"), "the secret is shown once");

        failuresLeft.set(2);
        slowLeft.set(1);
        as(Tokens.admin()).body(Map.of("to", ours, "text", "hello from the phone"))
                .post("/sandbox/v1/accounts/" + theirs + "/messages").then().statusCode(202);
        String id = as(Tokens.admin()).body(Map.of("to", theirs, "text", "hello back")).post("/api/v1/organizations/" + org
                + "/whatsapp/messages").then().statusCode(202).extract().path("id");
        awaitTrue("the sent text reaches delivered", () -> statuses(id).contains("delivered"));
        String whatsappId = as(Tokens.admin()).get("/api/v1/organizations/" + org + "/whatsapp/messages/" + id).then()
                .extract().path("whatsappId");
        as(Tokens.admin()).body(Map.of("ids", List.of(whatsappId))).post("/sandbox/v1/accounts/" + theirs + "/read").then().statusCode(200);
        awaitTrue("every status of the text arrives", () -> statuses(id).contains("read"));
        awaitTrue("the received text arrives", () -> types().contains("message.received"));

        String base = io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port;
        assertTrue(io.switchboard.support.ContractValidation.eventProblems(base, "{\"id\": 1, \"type\": \"message.sent\"}").size() >= 2,
                "the check refuses a body the schema does not describe");
        for (Received request : received) {
            assertEquals(List.of(), io.switchboard.support.ContractValidation.eventProblems(base, request.body()),
                    "the body is the document's WebhookEvent: " + request.body());
            assertTrue(verifies(request, List.of(secret)), "signature verifies: " + request);
            JsonObject body = new JsonObject(request.body());
            assertEquals(request.id(), body.getString("id"), "webhook-id is the event's id");
            assertTrue(Math.abs(Instant.now().getEpochSecond() - Long.parseLong(request.timestamp())) < 300);
            assertEquals(org.toString(), body.getString("organizationId"));
        }
        assertEquals(List.of("queued", "sent", "delivered", "read"), statuses(id), "one conversation's events in order");
        java.util.Map<String, String> byId = new java.util.HashMap<>();
        for (Received request : received) {
            String earlier = byId.putIfAbsent(request.id(), request.body());
            assertTrue(earlier == null || earlier.equals(request.body()), "a duplicate carries the same id and body");
        }
        JsonObject inbound = received.stream().map(r -> new JsonObject(r.body())).filter(b -> "message.received".equals(b.getString("type")))
                .findFirst().orElseThrow();
        assertEquals("hello from the phone", inbound.getJsonObject("data").getString("text"));
        assertEquals(theirs, inbound.getJsonObject("data").getJsonObject("from").getString("phone"));

        JsonPath log = as(Tokens.admin()).get(base(org) + "/deliveries").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> deliveries = log.getList("items");
        assertTrue(deliveries.stream().allMatch(d -> "delivered".equals(d.get("status"))), deliveries.toString());
        assertTrue(deliveries.stream().anyMatch(d -> ((List<?>) d.get("log")).size() >= 2
                && ((Map<?, ?>) ((List<?>) d.get("log")).get(0)).get("statusCode").equals(500)), "a failed first attempt is logged: " + deliveries);

        String again = (String) deliveries.get(0).get("id");
        int before = received.size();
        as(Tokens.admin()).post(base(org) + "/deliveries/" + again + "/redeliver").then().statusCode(202);
        awaitTrue("the redelivery arrives", () -> received.size() > before);
        String redeliveredId = received.get(received.size() - 1).id();
        assertTrue(received.subList(0, before).stream().anyMatch(r -> r.id().equals(redeliveredId)), "same event id again");

        String rotated = as(Tokens.admin()).post(base(org) + "/" + webhook + "/rotate-secret").then().statusCode(200)
                .extract().path("secret");
        int beforeRotation = received.size();
        as(Tokens.admin()).body(Map.of("to", ours, "text", "after the rotation"))
                .post("/sandbox/v1/accounts/" + theirs + "/messages").then().statusCode(202);
        awaitTrue("an event after the rotation arrives", () -> received.size() > beforeRotation);
        Received signedTwice = received.get(received.size() - 1);
        assertEquals(2, signedTwice.signature().split(" ").length, "signed with the new and the previous secret");
        assertTrue(verifies(signedTwice, List.of(rotated)) && verifies(signedTwice, List.of(secret)));

        as(Tokens.admin()).delete(base(org) + "/" + webhook).then().statusCode(204);
        as(Tokens.admin()).delete(base(org) + "/" + webhook).then().statusCode(404).body("reason", equalTo("webhook-not-found"));
    }

    /** The same events as Server-Sent Events: named by type, with the webhook body as data and a resumable id. */
    @Test
    void theEventStreamShowsWhatHappens() throws Exception {
        String ours = randomPhone("1563");
        String theirs = randomPhone("1564");
        UUID org = linkedOrganization("Event stream", ours);
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + "/api/v1/organizations/" + org
                        + "/whatsapp/events")).header("Authorization", "Bearer " + Tokens.admin()).header("Accept", "text/event-stream")
                .build();
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<java.util.stream.Stream<String>>> response =
                client.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> {
            try {
                response.get(10, java.util.concurrent.TimeUnit.SECONDS).body().forEach(lines::add);
            } catch (Exception e) {
                lines.add("failed: " + e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        Thread.sleep(700);
        as(Tokens.admin()).body(Map.of("to", ours, "text", "streamed text")).post("/sandbox/v1/accounts/" + theirs + "/messages")
                .then().statusCode(202);
        long deadline = System.currentTimeMillis() + 15_000;
        String event = null;
        String data = null;
        String id = null;
        while (System.currentTimeMillis() < deadline && data == null) {
            String line = lines.poll(1, java.util.concurrent.TimeUnit.SECONDS);
            if (line == null) {
                continue;
            }
            if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("data:") && "message.received".equals(event)) {
                data = line.substring(5).trim();
            }
        }
        response.cancel(true);
        assertTrue(data != null, "a message.received event on the stream");
        assertEquals("streamed text", new JsonObject(data).getJsonObject("data").getString("text"));
        assertTrue(id != null && id.matches("[0-9]+"), "a resumable id: " + id);
    }

    @Test
    void badRegistrationsAreRefused() throws Exception {
        UUID org = io.switchboard.support.Api.createOrganization("Webhooks input");
        as(Tokens.admin()).body(Map.of("url", "ftp://example.com/x", "events", List.of("message.status"))).post(base(org))
                .then().statusCode(400).contentType("application/problem+json");
        as(Tokens.admin()).body(Map.of("url", "http://user:pw@example.com/x", "events", List.of("message.status"))).post(base(org))
                .then().statusCode(400);
        as(Tokens.admin()).body(Map.of("url", "http://127.0.0.1/x", "events", List.of("message.nope"))).post(base(org))
                .then().statusCode(400);
        as(Tokens.admin()).body(Map.of("url", "http://127.0.0.1/x", "events", List.of())).post(base(org)).then().statusCode(400);
        as(Tokens.admin()).body(Map.of("url", "http://no-such-host.invalid/x", "events", List.of("message.status"))).post(base(org))
                .then().statusCode(400).body("reason", equalTo("url-not-allowed"));
        as(Tokens.member(UUID.randomUUID())).get(base(org)).then().statusCode(403);
        as(Tokens.admin()).post(base(org) + "/deliveries/" + UUID.randomUUID() + "/redeliver").then().statusCode(404);
    }

    /** The test's own Standard Webhooks verifier: HMAC-SHA256 over id.timestamp.body with the secret's bytes. */
    private static boolean verifies(Received request, List<String> secrets) throws Exception {
        List<String> expected = new ArrayList<>();
        for (String secret : secrets) {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            expected.add("v1," + Base64.getEncoder().encodeToString(mac.doFinal((request.id() + "." + request.timestamp() + "."
                    + request.body()).getBytes(StandardCharsets.UTF_8))));
        }
        for (String given : request.signature().split(" ")) {
            if (expected.contains(given)) {
                return true;
            }
        }
        return false;
    }

    private List<String> statuses(String messageId) {
        return received.stream().map(r -> new JsonObject(r.body())).filter(b -> "message.status".equals(b.getString("type"))
                && messageId.equals(b.getJsonObject("data").getString("id"))).map(b -> b.getJsonObject("data").getString("status"))
                .distinct().toList();
    }

    private List<String> types() {
        return received.stream().map(r -> new JsonObject(r.body()).getString("type")).toList();
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, what + ": never happened");
            Thread.sleep(50);
        }
    }

    private static String base(UUID org) {
        return "/api/v1/organizations/" + org + "/webhooks";
    }
}
