package io.switchboard.session;

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
        Response response = as(Tokens.admin()).post(base(org) + "/" + path);
        long deadline = System.currentTimeMillis() + 20_000;
        while (response.statusCode() == 202 && System.currentTimeMillis() < deadline) {
            assertEquals("3", response.header("Retry-After"));
            Thread.sleep(200);
            response = as(Tokens.admin()).get(base(org) + "/qrcode");
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
        long deadline = System.currentTimeMillis() + millis;
        JsonPath last = status(org);
        while (!condition.test(last)) {
            if (System.currentTimeMillis() > deadline) {
                fail("status never matched; last: " + last.prettify());
            }
            Thread.sleep(100);
            last = status(org);
        }
        return last;
    }

    static JsonPath awaitState(UUID org, String state, long millis) throws InterruptedException {
        return awaitStatus(org, s -> state.equals(s.getString("state")), millis);
    }

    static String phone() {
        return "1555" + (1_000_000 + (long) (Math.random() * 8_999_999));
    }
}
