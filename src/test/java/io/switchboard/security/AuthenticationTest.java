package io.switchboard.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.switchboard.support.Tokens;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

@QuarkusTest
class AuthenticationTest {

    private static final List<String> PATHS = List.of(
            "/api/v1/organizations",
            "/api/v1/organizations/" + UUID.randomUUID());

    @Test
    void missingTokenIsUnauthorized() {
        assertUnauthorized(() -> given());
    }

    @Test
    void malformedTokenIsUnauthorized() {
        assertUnauthorized(() -> given().auth().oauth2("not.a.jwt"));
        assertUnauthorized(() -> given().header("Authorization", "Basic YWRtaW46YWRtaW4="));
    }

    @Test
    void expiredTokenIsUnauthorized() {
        assertUnauthorized(() -> given().auth().oauth2(Tokens.expiredAdmin()));
    }

    @Test
    void tokenSignedWithAnotherKeyIsUnauthorized() {
        assertUnauthorized(() -> given().auth().oauth2(Tokens.forgedAdmin()));
    }

    @Test
    void tokenFromAnotherIssuerIsUnauthorized() {
        assertUnauthorized(() -> given().auth().oauth2(Tokens.wrongIssuerAdmin()));
    }

    @jakarta.inject.Inject
    io.smallrye.jwt.auth.principal.JWTParser parser;

    @Test
    void requestsAreAuthenticatedThroughTheVerifiedTokenCache() {
        org.junit.jupiter.api.Assertions.assertInstanceOf(VerifiedTokens.class, io.quarkus.arc.ClientProxy.unwrap(parser));
    }

    @Test
    void tamperedPayloadIsUnauthorized() {
        String member = Tokens.member();
        String admin = Tokens.admin();
        // Both verified (and remembered) first: a token spliced from them is still refused.
        given().auth().oauth2(member).get("/api/v1/organizations").then().statusCode(200);
        given().auth().oauth2(admin).get("/api/v1/organizations").then().statusCode(200);
        String[] parts = member.split("\\.");
        String adminPayload = admin.split("\\.")[1];
        String spliced = parts[0] + "." + adminPayload + "." + parts[2];
        assertUnauthorized(() -> given().auth().oauth2(spliced));
    }

    private static void assertUnauthorized(Supplier<RequestSpecification> request) {
        for (String path : PATHS) {
            request.get().get(path)
                    .then().statusCode(401)
                    .contentType("application/problem+json")
                    .header("WWW-Authenticate", "Bearer")
                    .body("status", equalTo(401))
                    .body("reason", equalTo("unauthorized"));
        }
        request.get().contentType("application/json").body("{\"name\":\"x\"}")
                .post("/api/v1/organizations").then().statusCode(401);
    }
}
