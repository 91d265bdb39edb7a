package io.switchboard.events;

import static io.switchboard.support.Api.createOrganization;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Readers follow commit order: two writers append events for one organization, the first to
 * write commits last. A reader that read in between and resumes from the last event it saw (as
 * {@code Last-Event-ID} does) still gets both, in the order they committed.
 */
@QuarkusTest
class EventCommitOrderTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    EventStore events;

    @Inject
    Pool pool;

    @Test
    void anEventThatCommitsLateIsNotSkipped() {
        UUID org = createOrganization("Commit order");
        SqlConnection first = pool.getConnection().await().atMost(WAIT);
        SqlConnection second = pool.getConnection().await().atMost(WAIT);
        try {
            Transaction early = first.begin().await().atMost(WAIT);
            events.append(first, org, EventStore.MESSAGE_STATUS, "a", new JsonObject().put("n", "early")).await().atMost(WAIT);
            int earlyBackend = backend(first);

            // The second writer appends and commits while the first is still open.
            int secondBackend = backend(second);
            Transaction late = second.begin().await().atMost(WAIT);
            CompletableFuture<Void> secondDone = events.append(second, org, EventStore.MESSAGE_STATUS, "a",
                    new JsonObject().put("n", "later")).flatMap(ignored -> late.commit()).subscribeAsCompletionStage();
            // It either committed or waits behind the first writer: both are states a reader may meet.
            await().atMost(WAIT).until(() -> secondDone.isDone() || waitsForLock(secondBackend, earlyBackend));

            List<String> seen = new ArrayList<>();
            long cursor = read(org, 0, seen);
            early.commit().await().atMost(WAIT);
            await().atMost(WAIT).until(secondDone::isDone);
            read(org, cursor, seen);

            assertEquals(List.of("early", "later"), seen, "both events, each once, in commit order");
        } finally {
            first.close().await().atMost(WAIT);
            second.close().await().atMost(WAIT);
        }
    }

    private long read(UUID org, long after, List<String> seen) {
        long cursor = after;
        for (EventStore.Event event : events.after(org, after, 100).await().atMost(WAIT)) {
            seen.add(new JsonObject(event.body()).getJsonObject("data").getString("n"));
            cursor = event.position();
        }
        return cursor;
    }

    private static int backend(SqlConnection connection) {
        return connection.query("SELECT pg_backend_pid()").execute().await().atMost(WAIT).iterator().next().getInteger(0);
    }

    private boolean waitsForLock(int waiting, int holder) {
        return pool.preparedQuery("SELECT $2 = ANY(pg_blocking_pids($1))").execute(Tuple.of(waiting, holder))
                .onItem().transform(rows -> rows.iterator().next().getBoolean(0)).await().atMost(WAIT);
    }
}
