package io.switchboard.web;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.restassured.path.json.JsonPath;
import io.switchboard.support.Api;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile requests against every REST endpoint (see {@link RequestGenerators}). For each:
 * never a 5xx; every error is problem+json with a stable reason; a 4xx changes nothing stored;
 * the answer comes in bounded time. {@code -Dproperties.requests=N} runs longer (default 2,000).
 */
@QuarkusTest
class RestApiPropertiesTest {

    private static final int URI_TOO_LONG = 414;
    private static final int MAX_INITIAL_LINE = 4096;
    private static final int REQUESTS = Integer.getInteger("properties.requests", 2_000);
    /** Fixed by default so a failure reproduces; -Dproperties.seed=N explores elsewhere. */
    private static final long SEED = Long.getLong("properties.seed", 20_261_128L);
    private static final long QUICK_MILLIS = 3_000;
    /** init-baileys and reconnect may wait for a QR (qr-wait, 5 s). */
    private static final long LIFECYCLE_MILLIS = 8_000;
    /**
     * Everything stored about the organizations this test made (and those its accepted requests
     * made): organizations left running by earlier tests in the same application (their leases,
     * adoptions, reconnects) are not this test's business.
     */
    private static final String STATE = "SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM ("
            + " SELECT 'o' || id || name || updated_at AS x FROM organization WHERE created_at >= $1"
            + " UNION ALL SELECT 's' || s.organization_id || s.state || coalesce(s.jid, '') || s.updated_at FROM whatsapp_session s"
            + " JOIN organization o ON o.id = s.organization_id WHERE o.created_at >= $1"
            + " UNION ALL SELECT 'c' || c.organization_id || c.updated_at FROM whatsapp_credentials c"
            + " JOIN organization o ON o.id = c.organization_id WHERE o.created_at >= $1) rows";

    @Inject
    Pool pool;

    @TestHTTPResource("/")
    URL root;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private java.time.OffsetDateTime since;

    @Test
    void noRequestGetsA5xxOrChangesAnythingWhenRefused() throws Exception {
        since = pool.query("SELECT now()").execute().await().atMost(Duration.ofSeconds(5)).iterator().next()
                .getOffsetDateTime(0);
        UUID known = Api.createOrganization("Property target");
        UUID other = Api.createOrganization("Property bystander");
        RequestGenerators generators = new RequestGenerators(known, other);
        java.util.Random random = new java.util.Random(SEED);
        DocumentedStatuses documented = DocumentedStatuses.read(send(new RequestGenerators.Request("GET", "/q/openapi",
                "format=json", "", null, null, "none")).body());
        int undocumented = 0;
        Map<String, Integer> statuses = new TreeMap<>();
        long slowest = 0;
        for (int i = 0; i < REQUESTS; i++) {
            RequestGenerators.Request request = generators.request(random);
            String before = state();
            long start = System.nanoTime();
            boolean uriTooLong = request.path().length() + request.query().length() > MAX_INITIAL_LINE;
            Answer response;
            try {
                response = send(request);
            } catch (java.io.IOException e) {
                if (uriTooLong) {
                    // The HTTP codec answers 414 and hangs up while the body is still being sent.
                    statuses.merge("414 (hung up)", 1, Integer::sum);
                    continue;
                }
                // A pooled connection the server had just closed (after a 413 or 414 it hangs up) can be
                // picked for the next request; a second try on a fresh connection tells the two apart.
                try {
                    start = System.nanoTime();
                    response = send(request);
                    statuses.merge("retried on a fresh connection", 1, Integer::sum);
                } catch (java.io.IOException again) {
                    fail("request " + i + " broke the connection twice (" + again + "): " + request);
                    return;
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            slowest = Math.max(slowest, millis);
            int status = response.statusCode();
            statuses.merge(status / 100 + "xx " + status, 1, Integer::sum);
            String context = "request " + i + ": " + request + " → " + status + " " + abbreviated(response.body());
            assertTrue(status < 500, "a 5xx: " + context);
            boolean lifecycle = request.path().contains("/init-baileys") || request.path().contains("/reconnect");
            assertTrue(millis < (lifecycle ? LIFECYCLE_MILLIS : QUICK_MILLIS), "took " + millis + " ms: " + context);
            String why = documented.check(request.method(), request.path(), status);
            if (why != null) {
                undocumented++;
                fail("an answer the OpenAPI document does not have (" + why + "): " + context);
            }
            if (status == URI_TOO_LONG && uriTooLong) {
                // Refused by the HTTP codec before any route runs (quarkus.http.limits.max-initial-line-length).
                assertTrue(before.equals(state()), "a refused request changed what is stored: " + context);
                continue;
            }
            if (status == 204 && request.method().equals("DELETE") && request.path().equals("/api/v1/organizations/" + known)) {
                // The target was deleted (a valid request): give the next requests a new one to aim at.
                known = Api.createOrganization("Property target");
                generators = new RequestGenerators(known, other);
            }
            if (status >= 400) {
                assertTrue(response.contentType().startsWith("application/problem+json"), "not problem+json: " + context);
                String reason = JsonPath.from(response.body()).getString("reason");
                assertTrue(reason != null && reason.matches("[a-z0-9-]+"), "no stable reason: " + context);
                String after = state();
                assertTrue(before.equals(after), () -> "a refused request changed what is stored: " + context + "\n"
                        + changedRows(before, after));
            }
        }
        System.out.printf("REST properties: %d generated requests (seed %d), slowest %d ms, answers %s; undocumented statuses %d%n",
                REQUESTS, SEED, slowest, statuses, undocumented);
    }

    /** Sent with the JDK's client: any method, content type and body go out exactly as generated. */
    private Answer send(RequestGenerators.Request request) throws Exception {
        String url = root.toString().replaceAll("/$", "") + request.path() + (request.query().isEmpty() ? "" : "?" + request.query());
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(request.body(), StandardCharsets.UTF_8));
        if (request.token() != null) {
            builder.header("Authorization", "Bearer " + request.token());
        }
        if (!request.contentType().isEmpty()) {
            builder.header("Content-Type", request.contentType());
        }
        HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    private record Answer(int statusCode, String contentType, String body) {
    }

    private String state() {
        return pool.preparedQuery(STATE).execute(io.vertx.mutiny.sqlclient.Tuple.of(since)).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getString(0);
    }

    private static String changedRows(String before, String after) {
        java.util.Set<String> old = new java.util.TreeSet<>(List.of(before.split("\n")));
        java.util.Set<String> now = new java.util.TreeSet<>(List.of(after.split("\n")));
        java.util.Set<String> gone = new java.util.TreeSet<>(old);
        gone.removeAll(now);
        now.removeAll(old);
        return "rows before: " + gone + "\nrows after: " + now;
    }

    private static String abbreviated(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
