package io.switchboard.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class DevTokenResourceTest {

    @Test
    void mintedAdminTokenIsAccepted() {
        String token = given().contentType("application/json").body("{}").post("/dev/token")
                .then().statusCode(200).extract().path("token");
        Api.as(token).body(Map.of("name", "Dev org")).post("/api/v1/organizations").then().statusCode(201);
    }

    @Test
    void mintedMemberTokenIsScoped() {
        String id = Api.createOrganization("Dev member org").toString();
        String token = given().contentType("application/json")
                .body(Map.of("admin", false, "orgs", java.util.List.of(id)))
                .post("/dev/token").then().statusCode(200).extract().path("token");
        Api.as(token).get("/api/v1/organizations").then().statusCode(200).body("total", equalTo(1));
    }

    @Test
    void rejectsNonUuidOrganizations() {
        given().contentType("application/json").body(Map.of("admin", false, "orgs", java.util.List.of("x")))
                .post("/dev/token").then().statusCode(400).contentType("application/problem+json");
    }
}
