package io.switchboard.organization;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
class OrganizationResourceTest {

    private static final String PROBLEM = "application/problem+json";

    @Test
    void theTwoFiveHundredsOfIssue15AreFourHundreds() {
        as(Tokens.admin()).body("{\"name\": \"\u03a9 \\u0000 zero\"}").post("/api/v1/organizations").then().statusCode(400)
                .contentType("application/problem+json").body("fields", hasItem("name"));
        as(Tokens.admin()).body("{\"name\": \"lone \\ud800 surrogate\"}").post("/api/v1/organizations").then().statusCode(400)
                .body("fields", hasItem("name"));
        as(Tokens.admin()).get("/api/v1/organizations?page=2147483647&size=200").then().statusCode(400)
                .contentType("application/problem+json").body("fields", hasItem("page"));
        as(Tokens.admin()).body("{\"name\": \"a\", \"name\": \"b\"}").post("/api/v1/organizations").then().statusCode(400)
                .body("reason", equalTo("malformed-json"));
        as(Tokens.admin()).body("{\"name\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}").post("/api/v1/organizations")
                .then().statusCode(413).contentType("application/problem+json").body("reason", equalTo("body-too-large"));
    }

    @Test
    void createsAndReadsBack() {
        String name = "Acme " + UUID.randomUUID();
        String location = as(Tokens.admin()).body(Map.of("name", "  " + name + " "))
                .post("/api/v1/organizations")
                .then().statusCode(201)
                .header("Location", containsString("/api/v1/organizations/"))
                .body("id", notNullValue())
                .body("name", equalTo(name))
                .body("createdAt", notNullValue())
                .extract().header("Location");
        String id = location.substring(location.lastIndexOf('/') + 1);

        as(Tokens.admin()).get("/api/v1/organizations/" + id)
                .then().statusCode(200)
                .body("id", equalTo(id))
                .body("name", equalTo(name));
    }

    @Test
    void adminListsAllOrganizationsPaged() {
        UUID first = createOrganization("List one");
        UUID second = createOrganization("List two");
        as(Tokens.admin()).get("/api/v1/organizations?size=200")
                .then().statusCode(200)
                .body("items.id", hasItem(first.toString()))
                .body("items.id", hasItem(second.toString()))
                .body("total", greaterThanOrEqualTo(2))
                .body("size", equalTo(200));
        as(Tokens.admin()).get("/api/v1/organizations?page=0&size=1")
                .then().statusCode(200)
                .body("items", hasSize(1))
                .body("page", equalTo(0));
        as(Tokens.admin()).get("/api/v1/organizations?size=0")
                .then().statusCode(400).contentType(PROBLEM).body("reason", equalTo("invalid-paging"));
    }

    @Test
    void renamesAndDeletes() {
        UUID id = createOrganization("Before");
        as(Tokens.admin()).body(Map.of("name", "After"))
                .patch("/api/v1/organizations/" + id)
                .then().statusCode(200).body("name", equalTo("After"));
        as(Tokens.admin()).get("/api/v1/organizations/" + id)
                .then().statusCode(200).body("name", equalTo("After"));

        as(Tokens.admin()).delete("/api/v1/organizations/" + id).then().statusCode(204);
        as(Tokens.admin()).get("/api/v1/organizations/" + id)
                .then().statusCode(404).contentType(PROBLEM)
                .body("status", equalTo(404))
                .body("reason", equalTo("organization-not-found"));
        as(Tokens.admin()).delete("/api/v1/organizations/" + id).then().statusCode(404);
    }

    @Test
    void missingOrganizationIsNotFoundForAdmin() {
        as(Tokens.admin()).get("/api/v1/organizations/" + UUID.randomUUID())
                .then().statusCode(404).contentType(PROBLEM)
                .body("type", endsWith("organization-not-found"))
                .body("title", equalTo("Not Found"))
                .body("detail", notNullValue());
        as(Tokens.admin()).body(Map.of("name", "x")).patch("/api/v1/organizations/" + UUID.randomUUID())
                .then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void badUuidInPathIsBadRequest() {
        for (String bad : List.of("not-a-uuid", "1-1-1-1-1", "123")) {
            as(Tokens.admin()).get("/api/v1/organizations/" + bad)
                    .then().statusCode(400).contentType(PROBLEM)
                    .body("reason", equalTo("invalid-path-parameter"))
                    .body("detail", containsString("'id'"));
        }
    }

    @Test
    void invalidBodiesNameTheField() {
        as(Tokens.admin()).body(Map.of("name", "   ")).post("/api/v1/organizations")
                .then().statusCode(400).contentType(PROBLEM)
                .body("fields", hasItem("name")).body("detail", containsString("name"));
        as(Tokens.admin()).body(Map.of("name", "x".repeat(201))).post("/api/v1/organizations")
                .then().statusCode(400).contentType(PROBLEM).body("fields", hasItem("name"));
        as(Tokens.admin()).body("{}").post("/api/v1/organizations")
                .then().statusCode(400).contentType(PROBLEM).body("fields", hasItem("name"));
        as(Tokens.admin()).body("{\"name\": [1, 2]}").post("/api/v1/organizations")
                .then().statusCode(400).contentType(PROBLEM).body("fields", hasItem("name"));
        as(Tokens.admin()).body("{\"name\": \"ok\", \"colour\": \"red\"}").post("/api/v1/organizations")
                .then().statusCode(400).contentType(PROBLEM).body("fields", hasItem("colour"));
        as(Tokens.admin()).body("{\"name\": ").post("/api/v1/organizations")
                .then().statusCode(400).contentType(PROBLEM).body("reason", equalTo("malformed-json"));
        as(Tokens.admin()).body("").post("/api/v1/organizations")
                .then().statusCode(400).contentType(PROBLEM);
    }

    @Test
    void unknownRouteIsProblemNotFound() {
        as(Tokens.admin()).get("/api/v1/nothing-here")
                .then().statusCode(404).contentType(PROBLEM).body("status", equalTo(404));
    }

    @Test
    void errorsNeverLeakInternals() {
        String body = as(Tokens.admin()).body("{\"name\": ").post("/api/v1/organizations")
                .then().statusCode(400).extract().asString();
        org.junit.jupiter.api.Assertions.assertFalse(body.contains("Exception"), body);
        org.junit.jupiter.api.Assertions.assertFalse(body.contains("at io."), body);
    }
}
