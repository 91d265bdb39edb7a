package io.switchboard.sandbox;

import static io.restassured.RestAssured.given;
import static io.switchboard.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class SandboxAdminResourceTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void requiresAnAdminToken() {
        given().get("/sandbox/v1/devices").then().statusCode(401).contentType("application/problem+json");
        as(Tokens.member()).get("/sandbox/v1/devices").then().statusCode(403);
        as(Tokens.member()).body(Map.of("qr", "x", "phone", "15551234567")).post("/sandbox/v1/scan").then().statusCode(403);
    }

    @Test
    void publishesItsTrustRoot() {
        String key = as(Tokens.admin()).get("/sandbox/v1/trust-root").then().statusCode(200)
                .body("publicKey", notNullValue()).extract().path("publicKey");
        assertEquals(32, Base64.getDecoder().decode(key).length);
    }

    @Test
    void unreadableQrIsBadRequest() {
        as(Tokens.admin()).body(Map.of("qr", "not a qr", "phone", "15551234567")).post("/sandbox/v1/scan")
                .then().statusCode(400).contentType("application/problem+json").body("reason", equalTo("unreadable-qr"));
        as(Tokens.admin()).body(Map.of("qr", "2@x," + KEY + "," + KEY + ",%%%", "phone", "15551234567"))
                .post("/sandbox/v1/scan").then().statusCode(400).body("reason", equalTo("unreadable-qr"));
        as(Tokens.admin()).body(Map.of("qr", "2@x," + KEY + "," + KEY + "," + KEY, "phone", "+1 555"))
                .post("/sandbox/v1/scan").then().statusCode(400);
        as(Tokens.admin()).body("{}").post("/sandbox/v1/scan").then().statusCode(400);
    }

    @Test
    void unknownRefIsNotFoundInBothQrForms() {
        String bare = "2@nobody-shows-this," + KEY + "," + KEY + "," + KEY;
        as(Tokens.admin()).body(Map.of("qr", bare, "phone", "15551234567")).post("/sandbox/v1/scan")
                .then().statusCode(404).body("reason", equalTo("unknown-ref"));
        as(Tokens.admin()).body(Map.of("qr", "https://wa.me/settings/linked_devices#" + bare + ",9", "phone", "15551234567"))
                .post("/sandbox/v1/scan").then().statusCode(404).body("reason", equalTo("unknown-ref"));
    }

    @Test
    void deviceOperationsOnUnknownDevicesAreNotFound() {
        String jid = "15550009999:1@s.whatsapp.net";
        as(Tokens.admin()).body(Map.of("code", 401)).post("/sandbox/v1/devices/" + jid + "/disconnect")
                .then().statusCode(404).body("reason", equalTo("unknown-device"));
        as(Tokens.admin()).body(Map.of("code", 999)).post("/sandbox/v1/devices/" + jid + "/disconnect")
                .then().statusCode(400);
        as(Tokens.admin()).post("/sandbox/v1/devices/" + jid + "/drop").then().statusCode(404);
        as(Tokens.admin()).delete("/sandbox/v1/devices/" + jid).then().statusCode(404);
        as(Tokens.admin()).get("/sandbox/v1/devices").then().statusCode(200);
    }
}
