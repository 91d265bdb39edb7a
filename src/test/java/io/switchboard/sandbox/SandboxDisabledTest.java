package io.switchboard.sandbox;

import static io.switchboard.support.Api.as;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URL;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** With the sandbox switched off, nothing of it answers. */
@QuarkusTest
@TestProfile(SandboxDisabledTest.Disabled.class)
class SandboxDisabledTest {

    public static class Disabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // No local sandbox to trust: a root key must be given (any 32 bytes; nothing connects here).
            return Map.of("switchboard.sandbox.enabled", "false",
                    "switchboard.whatsapp.trust-root", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        }
    }

    @TestHTTPResource("/sandbox/ws/chat")
    URL websocket;

    @Test
    void adminApiIsNotFound() {
        as(Tokens.admin()).get("/sandbox/v1/trust-root").then().statusCode(404).contentType("application/problem+json");
        as(Tokens.admin()).get("/sandbox/v1/devices").then().statusCode(404);
        io.restassured.RestAssured.given().get("/sandbox/v1/devices").then().statusCode(404);
    }

    @Test
    void websocketIsRefused() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Throwable failure = vertx.createWebSocketClient()
                    .connect(new WebSocketConnectOptions().setAbsoluteURI(websocket.toString().replace("http", "ws")))
                    .toCompletionStage().toCompletableFuture().handle((ok, error) -> error).get(10, TimeUnit.SECONDS);
            assertTrue(failure != null, "upgrade must fail when the sandbox is disabled");
        } finally {
            vertx.close();
        }
    }
}
