package io.switchboard.security;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class TenancyTest {

    @Test
    void memberSeesOnlyItsOrganizations() {
        UUID mine = createOrganization("Mine");
        UUID alsoMine = createOrganization("Also mine");
        UUID theirs = createOrganization("Theirs");
        String member = Tokens.member(mine, alsoMine);

        as(member).get("/api/v1/organizations")
                .then().statusCode(200)
                .body("items.id", containsInAnyOrder(mine.toString(), alsoMine.toString()))
                .body("total", equalTo(2));
        as(member).get("/api/v1/organizations/" + mine).then().statusCode(200);
        as(member).body(Map.of("name", "Renamed by member")).patch("/api/v1/organizations/" + mine)
                .then().statusCode(200).body("name", equalTo("Renamed by member"));
        as(member).get("/api/v1/organizations/" + theirs).then().statusCode(403);
    }

    @Test
    void forbiddenLooksTheSameWhetherOrNotTheOrganizationExists() {
        UUID mine = createOrganization("Mine");
        UUID existing = createOrganization("Someone else's");
        UUID missing = UUID.randomUUID();
        String member = Tokens.member(mine);

        String existingDetail = as(member).get("/api/v1/organizations/" + existing)
                .then().statusCode(403).contentType("application/problem+json")
                .body("reason", equalTo("organization-forbidden")).extract().path("title");
        String missingDetail = as(member).get("/api/v1/organizations/" + missing)
                .then().statusCode(403).contentType("application/problem+json")
                .body("reason", equalTo("organization-forbidden")).extract().path("title");
        assertEquals(existingDetail, missingDetail);
        as(member).body(Map.of("name", "x")).patch("/api/v1/organizations/" + existing).then().statusCode(403);
        as(member).delete("/api/v1/organizations/" + existing).then().statusCode(403);
        as(Tokens.admin()).get("/api/v1/organizations/" + existing).then().statusCode(200);
    }

    @Test
    void onlyAdminsCreateAndDelete() {
        UUID mine = createOrganization("Mine");
        String member = Tokens.member(mine);
        as(member).body(Map.of("name", "Sneaky")).post("/api/v1/organizations")
                .then().statusCode(403).body("reason", equalTo("admin-required"));
        as(member).delete("/api/v1/organizations/" + mine)
                .then().statusCode(403).body("reason", equalTo("admin-required"));
        as(Tokens.admin()).get("/api/v1/organizations/" + mine).then().statusCode(200);
    }

    @Test
    void memberWithoutOrganizationsSeesNothing() {
        createOrganization("Invisible");
        as(Tokens.member()).get("/api/v1/organizations")
                .then().statusCode(200).body("items", org.hamcrest.Matchers.empty()).body("total", equalTo(0));
    }
}
