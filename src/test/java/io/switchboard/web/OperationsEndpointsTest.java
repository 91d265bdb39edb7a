package io.switchboard.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class OperationsEndpointsTest {

    @Test
    void livenessIsUp() {
        given().get("/q/health/live").then().statusCode(200)
                .body("status", equalTo("UP")).body("checks.name", hasItem("process"));
    }

    @Test
    void readinessChecksPostgres() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP")).body("checks.name", hasItem("postgresql"));
    }

    @Test
    void metricsAreExposed() {
        String metrics = given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_"))
                .body(containsString("switchboard_whatsapp_clients")).extract().asString();
        // What an operator watches while a replica adopts: the adaptive limit and what feeds it.
        for (String gauge : java.util.List.of("switchboard_adoption_limit ", "switchboard_adoption_inflight ",
                "switchboard_event_loop_delay_seconds ", "switchboard_lease_renewal_lag_seconds ")) {
            org.junit.jupiter.api.Assertions.assertTrue(metrics.lines().anyMatch(line -> line.startsWith(gauge)),
                    gauge + "in " + metrics.lines().filter(line -> line.contains("adoption") || line.contains("loop")).toList());
        }
    }

    @Test
    void openApiDescribesTheOrganizationsApi() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body(containsString("/api/v1/organizations"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
