package io.switchboard.session;

import java.time.Duration;
import static org.awaitility.Awaitility.await;
import static io.switchboard.support.Api.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.switchboard.support.Tokens;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/** REST steps shared by the session tests: init until a QR, scan through the sandbox, poll status. */
final class SessionFlows {

    private SessionFlows() {
    }

    static String base(UUID org) {
        return "/api/v1/organizations/" + org + "/whatsapp";
    }

    /** Calls {@code path} (init-baileys or reconnect), following 202s through GET qrcode until a QR. */
    static JsonPath qrFrom(UUID org, String path) throws InterruptedException {
        Response first = as(Tokens.admin()).post(base(org) + "/" + path);
        Response response = first.statusCode() != 202 ? first : await("a QR after " + path).atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200)).until(() -> as(Tokens.admin()).get(base(org) + "/qrcode"), r -> {
                    if (r.statusCode() == 202) {
                        assertEquals("3", r.header("Retry-After"));
                    }
                    return r.statusCode() != 202;
                });
        if (first.statusCode() == 202) {
            assertEquals("3", first.header("Retry-After"));
        }
        assertEquals(200, response.statusCode(), response.asString());
        return response.jsonPath();
    }

    static JsonPath scan(String qr, String phone) {
        return as(Tokens.admin()).body(Map.of("qr", qr, "phone", phone)).post("/sandbox/v1/scan")
                .then().statusCode(200).extract().jsonPath();
    }

    static JsonPath status(UUID org) {
        return as(Tokens.admin()).get(base(org) + "/status").then().statusCode(200).extract().jsonPath();
    }

    static JsonPath awaitStatus(UUID org, Predicate<JsonPath> condition, long millis) throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<JsonPath> last = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            return await().atMost(Duration.ofMillis(millis)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        last.set(status(org));
                        return last.get();
                    }, condition::test);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return fail("status never matched; last: " + (last.get() == null ? "none" : last.get().prettify()));
        }
    }

    static JsonPath awaitState(UUID org, String state, long millis) throws InterruptedException {
        return awaitStatus(org, s -> state.equals(s.getString("state")), millis);
    }

    static String phone() {
        return "1555" + (1_000_000 + (long) (Math.random() * 8_999_999));
    }
}
