package io.switchboard.web;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.switchboard.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What concurrent requests must not get past: one Idempotency-Key with different bodies (one is
 * accepted, the rest 409, never another request's message as "replayed"), the webhook limit and
 * the text queue limit (exactly the limit stored, not a count-then-insert overshoot); a lone
 * surrogate in a text is a 400, not a '?' sent; the console's security headers.
 */
@QuarkusTest
class ConcurrencyLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private final ExecutorService threads = Executors.newFixedThreadPool(24);

    @Inject
    Pool pool;

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private List<Response> parallel(int n, java.util.function.IntFunction<Supplier<Response>> call) throws Exception {
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(CompletableFuture.supplyAsync(call.apply(i), threads));
        }
        List<Response> answers = new ArrayList<>();
        for (CompletableFuture<Response> c : calls) {
            answers.add(c.get());
        }
        return answers;
    }

    private static String messages(UUID org) {
        return "/api/v1/organizations/" + org + "/whatsapp/messages";
    }

    @Test
    void oneIdempotencyKeyWithDifferentBodiesAcceptsOne() throws Exception {
        UUID org = createOrganization("One key, many bodies");
        List<Response> answers = parallel(12, i -> () -> as(Tokens.admin()).header("Idempotency-Key", "same-key")
                .body(Map.of("to", "15550001111", "text", "body " + i)).post(messages(org)));
        List<Integer> statuses = answers.stream().map(Response::statusCode).toList();
        assertEquals(1, statuses.stream().filter(s -> s == 202).count(), "one accepted: " + statuses);
        assertEquals(11, statuses.stream().filter(s -> s == 409).count(), "the others refused: " + statuses);
        answers.stream().filter(a -> a.statusCode() == 409)
                .forEach(a -> assertEquals("idempotency-key-reused", a.jsonPath().getString("reason")));
    }

    @Test
    void limitsHoldUnderConcurrentRequests() throws Exception {
        UUID org = createOrganization("Limits under load");
        List<Response> hooks = parallel(16, i -> () -> as(Tokens.admin()).body(Map.of("url", "http://127.0.0.1:9/hook/" + i,
                "events", List.of("message.status"))).post("/api/v1/organizations/" + org + "/webhooks"));
        assertEquals(10, hooks.stream().filter(a -> a.statusCode() == 201).count(), "ten webhooks created");
        assertEquals(6, hooks.stream().filter(a -> a.statusCode() == 409).count());
        assertEquals(10, count("SELECT count(*) FROM webhook_endpoint WHERE organization_id = $1", org), "ten stored");

        // switchboard.messages.queue-limit is 30 in tests; the organization is not linked, so nothing leaves the queue.
        List<Response> texts = parallel(45, i -> () -> as(Tokens.admin()).body(Map.of("to", "15550002222", "text", "t" + i))
                .post(messages(org)));
        assertEquals(30, texts.stream().filter(a -> a.statusCode() == 202).count(), "thirty queued");
        assertEquals(15, texts.stream().filter(a -> a.statusCode() == 429).count());
        assertEquals(30, count("SELECT count(*) FROM whatsapp_outbound_message WHERE organization_id = $1", org), "thirty stored");
    }

    @Test
    void aLoneSurrogateInATextIsRefused() {
        UUID org = createOrganization("Surrogates");
        for (String text : List.of("a\\ud800b", "\\udc00", "end \\ud83d")) {
            Response answer = as(Tokens.admin()).body("{\"to\": \"15550003333\", \"text\": \"" + text + "\"}").post(messages(org));
            assertEquals(400, answer.statusCode(), text + ": " + answer.asString());
            assertEquals(List.of("text"), answer.jsonPath().getList("fields"));
        }
        as(Tokens.admin()).body("{\"to\": \"15550003333\", \"text\": \"ok \\ud83d\\ude00\\nline two\"}").post(messages(org))
                .then().statusCode(202);
    }

    @Test
    void theConsoleIsServedWithSecurityHeaders() {
        for (String path : List.of("/console/", "/console/console.js")) {
            Response answer = given().get(path);
            assertEquals(200, answer.statusCode(), path);
            String csp = answer.header("Content-Security-Policy");
            assertTrue(csp != null && csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), path + ": " + csp);
            assertEquals("nosniff", answer.header("X-Content-Type-Options"), path);
            assertEquals("no-referrer", answer.header("Referrer-Policy"), path);
        }
        assertEquals("nosniff", given().get("/q/health/live").header("X-Content-Type-Options"), "every answer");
    }

    private long count(String sql, UUID org) {
        return pool.preparedQuery(sql).execute(Tuple.of(org)).await().atMost(WAIT).iterator().next().getLong(0);
    }
}
