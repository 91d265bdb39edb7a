package io.switchboard.session;

import static io.restassured.RestAssured.given;
import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.switchboard.support.Tokens;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** No token → 401, another organization's token → 403, on every WhatsApp endpoint. */
@QuarkusTest
class SessionSecurityTest {

    private static void everyEndpoint(UUID org, RequestSpecification spec, int expected) {
        Function<RequestSpecification, RequestSpecification> s = r -> r;
        s.apply(spec).post(base(org) + "/init-baileys").then().statusCode(expected).contentType("application/problem+json");
        s.apply(spec).post(base(org) + "/reconnect").then().statusCode(expected);
        s.apply(spec).get(base(org) + "/qrcode").then().statusCode(expected);
        s.apply(spec).get(base(org) + "/qrcode/stream").then().statusCode(expected);
        s.apply(spec).get(base(org) + "/status").then().statusCode(expected);
        s.apply(spec).delete(base(org) + "/disconnect").then().statusCode(expected);
    }

    @Test
    void withoutATokenEverythingIsUnauthorized() {
        UUID org = createOrganization("Locked");
        everyEndpoint(org, given(), 401);
    }

    @Test
    void anotherOrganizationsTokenIsForbidden() {
        UUID org = createOrganization("Theirs");
        UUID mine = createOrganization("Mine");
        everyEndpoint(org, as(Tokens.member(mine)), 403);
        everyEndpoint(UUID.randomUUID(), as(Tokens.member(mine)), 403);
        as(Tokens.member(mine)).get(base(mine) + "/status").then().statusCode(200);
    }

    @Test
    void adminAskingForAMissingOrganizationGetsNotFound() {
        as(Tokens.admin()).get(base(UUID.randomUUID()) + "/status").then().statusCode(404);
        as(Tokens.admin()).get("/api/v1/organizations/not-a-uuid/whatsapp/status").then().statusCode(400);
    }
}
