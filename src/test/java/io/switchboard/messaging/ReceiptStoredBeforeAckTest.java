package io.switchboard.messaging;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Acknowledge only what is stored: the phone reads our text while its row is held by another
 * transaction, and the status write waiting on that row loses its database connection. The read
 * receipt was not acknowledged before its status was stored, so the message still ends "read".
 */
@QuarkusTest
class ReceiptStoredBeforeAckTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject
    Pool pool;

    @Test
    void aReadReceiptWhoseWriteFailsIsStillRecorded() throws Exception {
        String ours = randomPhone("1561");
        String theirs = randomPhone("1562");
        UUID org = linkedOrganization("Receipt stored first", ours);
        as(Tokens.admin()).body(Map.of("to", ours, "text", "hello")).post("/sandbox/v1/accounts/" + theirs + "/messages")
                .then().statusCode(202);
        String id = as(Tokens.admin()).body(Map.of("to", theirs, "text", "read me")).post(base(org))
                .then().statusCode(202).extract().path("id");
        await().atMost(WAIT).until(() -> "delivered".equals(status(org, id)));
        String whatsappId = as(Tokens.admin()).get(base(org) + "/" + id).then().extract().path("whatsappId");

        SqlConnection holder = pool.getConnection().await().atMost(WAIT);
        try {
            Transaction held = holder.begin().await().atMost(WAIT);
            holder.preparedQuery("SELECT 1 FROM whatsapp_outbound_message WHERE id = $1 FOR UPDATE")
                    .execute(Tuple.of(UUID.fromString(id))).await().atMost(WAIT);
            as(Tokens.admin()).body(Map.of("ids", List.of(whatsappId))).post("/sandbox/v1/accounts/" + theirs + "/read")
                    .then().statusCode(200);
            int waiting = await("the status write waits for the row").atMost(WAIT).until(this::waitingStatusWrite, pid -> pid > 0);
            pool.preparedQuery("SELECT pg_terminate_backend($1)").execute(Tuple.of(waiting)).await().atMost(WAIT);
            held.rollback().await().atMost(WAIT);
        } finally {
            holder.close().await().atMost(WAIT);
        }

        await("the read receipt is recorded once the database answers").atMost(WAIT).until(() -> "read".equals(status(org, id)));
    }

    private int waitingStatusWrite() {
        var rows = pool.preparedQuery("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                + " AND query LIKE 'WITH old AS (SELECT id, status FROM whatsapp_outbound_message%' LIMIT 1")
                .execute().await().atMost(WAIT);
        return rows.size() == 0 ? 0 : rows.iterator().next().getInteger(0);
    }

    private static String status(UUID org, String id) {
        return as(Tokens.admin()).get(base(org) + "/" + id).then().statusCode(200).extract().path("status");
    }

    private static String base(UUID org) {
        return "/api/v1/organizations/" + org + "/whatsapp/messages";
    }
}
