package io.switchboard.sandbox.admin;

import static io.switchboard.support.Api.as;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.support.Api;
import io.switchboard.support.Tokens;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /sandbox/v1/keepalives}: the sandbox counts every logged-in device's pings and the
 * longest silence of any (the side-by-side benchmark reads it to prove keepalives are on time).
 */
@QuarkusTest
class KeepaliveWatchTest {

    @Test
    void aConnectedClientPingsWithinItsInterval() throws Exception {
        Api.linkedOrganization("Keepalive watch", Api.randomPhone("1555"));
        JsonPath before = as(Tokens.admin()).get("/sandbox/v1/keepalives").then().statusCode(200).extract().jsonPath();
        Thread.sleep(3500);
        JsonPath after = as(Tokens.admin()).get("/sandbox/v1/keepalives").then().statusCode(200).extract().jsonPath();
        assertTrue(after.getInt("connections") >= 1, after.prettify());
        // The test profile pings every second: at least two more pings. (The longest silence is fleet-wide:
        // other test classes' clients in this app may be silent on purpose, so it is only read here.)
        assertTrue(after.getLong("pings") >= before.getLong("pings") + 2, before.prettify() + after.prettify());
        assertTrue(after.getLong("longestSilenceMillis") >= 0, after.prettify());
    }
}
