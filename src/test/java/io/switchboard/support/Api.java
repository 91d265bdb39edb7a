package io.switchboard.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.Map;
import java.util.UUID;

/** Small request builders shared by the REST tests. */
public final class Api {

    private Api() {
    }

    public static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    public static UUID createOrganization(String name) {
        String id = as(Tokens.admin())
                .body(Map.of("name", name))
                .post("/api/v1/organizations")
                .then().statusCode(201)
                .extract().path("id");
        return UUID.fromString(id);
    }
}
