package io.switchboard.session;

import static io.switchboard.support.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Api;
import io.switchboard.support.Tokens;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code GET …/whatsapp/transitions}: the console's timeline, newest first, organization-scoped. */
@QuarkusTest
class TransitionsEndpointTest {

    @Test
    void aLinkedOrganizationShowsItsStepsNewestFirst() throws Exception {
        UUID org = Api.linkedOrganization("Timeline", Api.randomPhone("1555"));
        String base = "/api/v1/organizations/" + org + "/whatsapp/transitions";
        as(Tokens.member(org)).get(base).then().statusCode(200)
                .body("items.size()", greaterThanOrEqualTo(4))
                .body("items[0].to", equalTo("CONNECTED"))
                .body("items[0].event", equalTo("LOGGED_IN"))
                .body("items.event", hasItems("LINK_REQUESTED", "PAIRED", "RESTART_REQUIRED", "LOGGED_IN"));
        as(Tokens.admin()).get(base + "?limit=1").then().statusCode(200).body("items.size()", equalTo(1));
    }

    @Test
    void badLimitsUnknownOrganizationsAndOtherMembersAreRefused() {
        UUID org = Api.createOrganization("Timeline refusals");
        String base = "/api/v1/organizations/" + org + "/whatsapp/transitions";
        for (String limit : new String[] {"0", "201", "ten", "-1"}) {
            as(Tokens.admin()).get(base + "?limit=" + limit).then().statusCode(400)
                    .contentType("application/problem+json").body("reason", equalTo("invalid-query"));
        }
        as(Tokens.admin()).get("/api/v1/organizations/" + UUID.randomUUID() + "/whatsapp/transitions").then().statusCode(404);
        as(Tokens.member(UUID.randomUUID())).get(base).then().statusCode(403);
        as(Tokens.admin()).get(base).then().statusCode(200).body("items.size()", equalTo(0));
    }
}
