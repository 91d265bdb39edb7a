package io.switchboard.messaging;

import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.events.EventStore;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Old events go after the retention, unless a webhook delivery still waits for them. */
@QuarkusTest
class EventRetentionTest {

    @Inject
    EventStore events;

    @Inject
    Pool pool;

    @Test
    void oldEventsGoUnlessADeliveryWaits() {
        UUID org = createOrganization("Event retention");
        long old = event(org, Instant.now().minus(Duration.ofDays(40)));
        long waited = event(org, Instant.now().minus(Duration.ofDays(40)));
        long recent = event(org, Instant.now());
        UUID endpoint = UUID.randomUUID();
        pool.preparedQuery("INSERT INTO webhook_endpoint (id, organization_id, url, events, nonce, ciphertext, key_id, created_at)"
                + " VALUES ($1, $2, 'https://example.com/', '{message.status}', '\\\\x00', '\\\\x00', 'k', now())")
                .execute(Tuple.of(endpoint, org)).await().atMost(Duration.ofSeconds(5));
        pool.preparedQuery("INSERT INTO webhook_delivery (id, endpoint_id, event_seq, event_position, organization_id,"
                + " conversation, status, next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $3, $4, 'x', 'pending',"
                + " now() + interval '1 day', now(), now())")
                .execute(Tuple.of(UUID.randomUUID(), endpoint, waited, org)).await().atMost(Duration.ofSeconds(5));

        events.deleteBefore(Instant.now().minus(Duration.ofDays(30))).await().atMost(Duration.ofSeconds(5));

        assertEquals(0, count(old), "an old event is gone");
        assertEquals(1, count(waited), "an old event a delivery waits for stays");
        assertEquals(1, count(recent), "a recent event stays");
    }

    private long event(UUID org, Instant at) {
        return pool.preparedQuery("INSERT INTO whatsapp_event (id, organization_id, type, conversation, nonce, ciphertext, key_id,"
                + " created_at, position) VALUES ($1, $2, 'message.status', 'x', '\\\\x00', '\\\\x00', 'k', $3,"
                + " (SELECT coalesce(max(position), 0) + 1 FROM whatsapp_event WHERE organization_id = $2)) RETURNING seq")
                .execute(Tuple.of(UUID.randomUUID(), org, at.atOffset(ZoneOffset.UTC))).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    private long count(long seq) {
        return pool.preparedQuery("SELECT count(*) FROM whatsapp_event WHERE seq = $1").execute(Tuple.of(seq))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }
}
