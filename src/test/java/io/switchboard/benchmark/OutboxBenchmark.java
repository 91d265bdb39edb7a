package io.switchboard.benchmark;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.linkedOrganization;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Tokens;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Sustained sends through the messages API and the sandbox, with the service as it runs (outbox
 * in PostgreSQL, one sender per organization), pacing turned off to find the ceiling; and webhook
 * deliveries per second to a receiver on loopback. Run with {@code bin/bench}.
 */
@QuarkusTest
@TestProfile(OutboxBenchmark.Unpaced.class)
@Tag("benchmark")
class OutboxBenchmark {

    /** Pacing off (it protects numbers from WhatsApp's limits, not the service), room in the queues. */
    public static class Unpaced implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.messages.send-rate", "100000", "switchboard.messages.send-burst", "100000",
                    "switchboard.messages.queue-limit", "100000");
        }
    }

    @Test
    void sendsPerSecondAndWebhookDeliveries() throws Exception {
        AtomicInteger hooks = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newFixedThreadPool(8));
        receiver.createContext("/hooks", exchange -> {
            exchange.getRequestBody().readAllBytes();
            hooks.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            String recipient = "15590000001";
            UUID single = linkedOrganization("Bench one", "15590000100");
            as(Tokens.admin()).body(Map.of("to", "15590000100", "text", "hello")).post("/sandbox/v1/accounts/" + recipient + "/messages")
                    .then().statusCode(202);
            run("1 organization", List.of(single), recipient, 500);

            List<UUID> many = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                UUID org = linkedOrganization("Bench " + i, String.valueOf(15_590_001_000L + i));
                as(Tokens.admin()).body(Map.of("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks",
                        "events", List.of("message.status"))).post("/api/v1/organizations/" + org + "/webhooks").then().statusCode(201);
                many.add(org);
            }
            int before = hooks.get();
            long start = System.nanoTime();
            run("100 organizations", many, recipient, 10);
            // queued, sent, delivered for each text
            int expected = before + 100 * 10 * 3;
            long deadline = System.currentTimeMillis() + 120_000;
            while (hooks.get() < expected && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("webhooks: %d message.status deliveries to one receiver in %.1f s (%.0f deliveries/s, all: %s)%n",
                    hooks.get() - before, seconds, (hooks.get() - before) / seconds, hooks.get() >= expected);
        } finally {
            receiver.stop(0);
        }
    }

    private static void run(String label, List<UUID> orgs, String to, int perOrganization) throws InterruptedException {
        long start = System.nanoTime();
        java.util.concurrent.ExecutorService posters = Executors.newFixedThreadPool(16);
        List<java.util.concurrent.Future<?>> posted = new ArrayList<>();
        for (int i = 0; i < perOrganization; i++) {
            for (UUID org : orgs) {
                String text = "bench " + i;
                posted.add(posters.submit(() -> as(Tokens.admin()).body(Map.of("to", to, "text", text))
                        .post("/api/v1/organizations/" + org + "/whatsapp/messages").then().statusCode(202)));
            }
        }
        for (java.util.concurrent.Future<?> post : posted) {
            try {
                post.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError(e.getCause());
            }
        }
        posters.shutdown();
        double queued = (System.nanoTime() - start) / 1e9;
        int total = orgs.size() * perOrganization;
        long deadline = System.currentTimeMillis() + 180_000;
        int delivered = 0;
        while (System.currentTimeMillis() < deadline) {
            delivered = 0;
            for (UUID org : orgs) {
                String after = null;
                do {
                    io.restassured.path.json.JsonPath page = as(Tokens.admin()).get("/api/v1/organizations/" + org
                            + "/whatsapp/messages?limit=200" + (after == null ? "" : "&after=" + after)).then().extract().jsonPath();
                    delivered += (int) page.<String>getList("items.status").stream().filter("delivered"::equals).count();
                    after = page.getString("next");
                } while (after != null);
            }
            if (delivered >= total) {
                break;
            }
            Thread.sleep(200);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("messages: %s, %d texts: queued over REST in %.1f s, all delivered to the sandbox phone after %.1f s"
                + " (%.0f texts/s sustained; %d delivered)%n", label, total, queued, seconds, delivered / seconds, delivered);
    }
}
