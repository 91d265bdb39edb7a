package io.switchboard.db;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A database that hangs is answered with 503 {@code database-unavailable} and {@code Retry-After},
 * within the one database timeout: sending a text (the outbox table locked) and reading an
 * organization (the organization table locked) alike, never a 500 and never a request held forever.
 */
@QuarkusTest
class DatabaseHangsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    Pool pool;

    @Test
    void aHangingDatabaseIsA503() {
        UUID org = createOrganization("Database hangs");
        hanging("whatsapp_outbound_message", () -> as(Tokens.admin()).body(Map.of("to", "15550001234", "text", "hello"))
                .post("/api/v1/organizations/" + org + "/whatsapp/messages").then().statusCode(503)
                .contentType("application/problem+json").header("Retry-After", "2")
                .body("reason", equalTo("database-unavailable")));
        hanging("organization", () -> as(Tokens.admin()).get("/api/v1/organizations/" + org).then().statusCode(503)
                .contentType("application/problem+json").body("reason", equalTo("database-unavailable")));
        as(Tokens.admin()).get("/api/v1/organizations/" + org).then().statusCode(200);
    }

    /** Runs {@code request} while {@code table} is locked against everyone by another transaction. */
    private void hanging(String table, Runnable request) {
        SqlConnection holder = pool.getConnection().await().atMost(WAIT);
        try {
            Transaction held = holder.begin().await().atMost(WAIT);
            holder.query("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE").execute().await().atMost(WAIT);
            try {
                request.run();
            } finally {
                held.rollback().await().atMost(WAIT);
            }
        } finally {
            holder.close().await().atMost(WAIT);
        }
    }
}
