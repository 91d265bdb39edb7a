package io.switchboard.security;

import static io.switchboard.support.Api.as;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.Jwt;
import io.switchboard.support.Tokens;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An identity provider shared with other applications: only tokens meant for Switchboard (its
 * audience) are accepted, and only Switchboard's own admin group makes an administrator.
 */
@QuarkusTest
@TestProfile(TokenAudienceTest.SharedIdentityProvider.class)
class TokenAudienceTest {

    public static class SharedIdentityProvider implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.jwt.verify.audiences", "switchboard", "switchboard.security.admin-group", "switchboard-admin");
        }
    }

    private static String token(String audience, String group) {
        return Jwt.issuer(Tokens.ISSUER).audience(audience).subject("someone").groups(Set.of(group)).expiresIn(600).sign();
    }

    @Test
    void tokensForAnotherApplicationAreRefused() {
        as(token("crm", "switchboard-admin")).get("/api/v1/organizations").then().statusCode(401);
        as(Tokens.admin()).get("/api/v1/organizations").then().statusCode(401);
    }

    @Test
    void anotherApplicationsAdminGroupGrantsNothing() {
        as(token("switchboard", "admin")).body(Map.of("name", "Not yours")).post("/api/v1/organizations")
                .then().statusCode(403);
        as(token("switchboard", "switchboard-admin")).body(Map.of("name", "Yours")).post("/api/v1/organizations")
                .then().statusCode(201);
    }
}
