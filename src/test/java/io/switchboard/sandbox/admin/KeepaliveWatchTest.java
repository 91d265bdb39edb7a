package io.switchboard.sandbox.admin;

import static io.switchboard.support.Api.as;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.support.Api;
import io.switchboard.support.Tokens;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /sandbox/v1/keepalives}: the sandbox counts every logged-in device's pings and the
 * longest silence of any (the side-by-side benchmark reads it to prove keepalives are on time);
 * {@code ?phone=} narrows it to one account's devices, so this test reads only its own client.
 */
@QuarkusTest
class KeepaliveWatchTest {

    @Test
    void aConnectedClientPingsWithinItsInterval() throws Exception {
        String phone = Api.randomPhone("1555");
        Api.linkedOrganization("Keepalive watch", phone);
        JsonPath before = keepalives(phone);
        assertEquals(1, before.getInt("connections"), before.prettify());
        // The test profile pings every second: two more pings within a few seconds, never a long silence.
        await().atMost(Duration.ofSeconds(6)).until(() -> keepalives(phone).getLong("pings") >= before.getLong("pings") + 2);
        JsonPath after = keepalives(phone);
        assertTrue(after.getLong("longestSilenceMillis") < 4_000, after.prettify());
    }

    private static JsonPath keepalives(String phone) {
        return as(Tokens.admin()).get("/sandbox/v1/keepalives?phone=" + phone).then().statusCode(200).extract().jsonPath();
    }
}
