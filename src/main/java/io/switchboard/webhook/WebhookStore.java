package io.switchboard.webhook;

import io.smallrye.mutiny.Uni;
import io.switchboard.db.Database;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.db.AtRestCipher;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.switchboard.db.SealedColumns;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Webhook endpoints (secrets sealed like the credentials), their deliveries (the outbox the event
 * writes fill) and every attempt. A delivery is claimed by one replica at a time (row lock, then a
 * claim that expires), and only when no earlier delivery of the same conversation to the same
 * endpoint is still open, so each endpoint sees a conversation's events in order.
 */
@ApplicationScoped
public class WebhookStore {

    static final String SECRET_PURPOSE = "webhook-secret";

    /** An endpoint as shown (never its secret). */
    public record Endpoint(UUID id, UUID organizationId, String url, List<String> events, Instant createdAt,
            Instant previousSecretValidUntil) {
    }

    /** A claimed delivery; {@code claimedUntil} is the claim's token. */
    record Due(UUID id, UUID endpointId, UUID organizationId, String url, long eventSeq, int attempts, Instant createdAt,
            OffsetDateTime claimedUntil) {
    }

    /** One attempt of a delivery. */
    public record Attempt(int n, Instant at, @Schema(nullable = true, description = "null: no answer came") Integer statusCode,
            long latencyMs, @Schema(nullable = true) String error,
            @Schema(nullable = true, description = "At most 1 KB of the answer") String response) {
    }

    /** A delivery with its attempts. */
    public record Delivery(UUID id, UUID endpointId, String eventType, long eventSeq,
            @Schema(enumeration = {"pending", "delivering", "delivered", "dead"}) String status, int attempts,
            Instant nextAttemptAt, Instant createdAt, List<Attempt> log) {
    }

    private final Pool pool;
    private final AtRestCipher cipher;
    private final Database database;

    WebhookStore(Pool pool, AtRestCipher cipher, Database database) {
        this.pool = pool;
        this.cipher = cipher;
        this.database = database;
    }

    /**
     * A new endpoint, unless the organization already has {@code max} (then null). The
     * organization's creations take turns (an advisory lock), so the count sees every one
     * committed before and the limit holds exactly.
     */
    Uni<Endpoint> create(UUID organizationId, String url, List<String> events, String secret, int max) {
        UUID id = UUID.randomUUID();
        AtRestCipher.Sealed sealed = cipher.sealText(organizationId, SECRET_PURPOSE, secret);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return bounded(pool.withTransaction(connection -> connection.preparedQuery("SELECT pg_advisory_xact_lock("
                        + "hashtextextended('webhooks:' || $1, 0))").execute(Tuple.of(organizationId.toString()))
                .chain(() -> connection.preparedQuery("INSERT INTO webhook_endpoint (id, organization_id, url, events, nonce,"
                        + " ciphertext, key_id, created_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE (SELECT count(*) FROM"
                        + " webhook_endpoint WHERE organization_id = $2) < $9").execute(Tuple.from(Arrays.asList(id, organizationId,
                                url, events.toArray(new String[0]), Buffer.buffer(sealed.nonce()), Buffer.buffer(sealed.ciphertext()),
                                sealed.keyId(), now, max))))
                .map(inserted -> inserted.rowCount() == 0 ? null
                        : new Endpoint(id, organizationId, url, List.copyOf(events), now.toInstant(), null))));
    }

    Uni<List<Endpoint>> list(UUID organizationId) {
        return bounded(pool.preparedQuery("SELECT id, organization_id, url, events, created_at, previous_valid_until FROM webhook_endpoint"
                + " WHERE organization_id = $1 ORDER BY created_at, id").execute(Tuple.of(organizationId)).map(rows -> {
                    List<Endpoint> endpoints = new ArrayList<>();
                    rows.forEach(row -> endpoints.add(endpoint(row)));
                    return endpoints;
                }));
    }

    Uni<Boolean> delete(UUID organizationId, UUID id) {
        return bounded(pool.preparedQuery("DELETE FROM webhook_endpoint WHERE organization_id = $1 AND id = $2")
                .execute(Tuple.of(organizationId, id)).map(rows -> rows.rowCount() == 1));
    }

    /** A new secret; the current one stays valid (deliveries signed with both) until {@code overlapUntil}. */
    Uni<Boolean> rotate(UUID organizationId, UUID id, String secret, Instant overlapUntil) {
        AtRestCipher.Sealed sealed = cipher.sealText(organizationId, SECRET_PURPOSE, secret);
        return bounded(pool.preparedQuery("UPDATE webhook_endpoint SET previous_nonce = nonce, previous_ciphertext = ciphertext,"
                + " previous_key_id = key_id, previous_valid_until = $3, nonce = $4, ciphertext = $5, key_id = $6"
                + " WHERE organization_id = $1 AND id = $2").execute(Tuple.from(Arrays.asList(organizationId, id,
                        overlapUntil.atOffset(ZoneOffset.UTC), Buffer.buffer(sealed.nonce()), Buffer.buffer(sealed.ciphertext()),
                        sealed.keyId()))).map(rows -> rows.rowCount() == 1));
    }

    /** The secrets deliveries to {@code endpointId} are signed with now: the current one, and the previous during an overlap. */
    Uni<List<String>> secrets(UUID endpointId) {
        return bounded(pool.preparedQuery("SELECT * FROM webhook_endpoint WHERE id = $1").execute(Tuple.of(endpointId)).map(rows -> {
            if (rows.size() == 0) {
                return List.<String>of();
            }
            Row row = rows.iterator().next();
            UUID organizationId = row.getUUID("organization_id");
            List<String> secrets = new ArrayList<>();
            secrets.add(open(organizationId, row.getBuffer("nonce").getBytes(), row.getBuffer("ciphertext").getBytes(),
                    row.getString("key_id")));
            OffsetDateTime until = row.getOffsetDateTime("previous_valid_until");
            if (until != null && until.toInstant().isAfter(Instant.now()) && row.getBuffer("previous_nonce") != null) {
                secrets.add(open(organizationId, row.getBuffer("previous_nonce").getBytes(),
                        row.getBuffer("previous_ciphertext").getBytes(), row.getString("previous_key_id")));
            }
            return secrets;
        }));
    }

    /**
     * Claims up to {@code limit} due deliveries for {@code replica} until {@code claimFor} from now,
     * fairly: the heads of each conversation are ranked within their organization and endpoint, an
     * organization or endpoint gets no more than its cap (minus what this replica already has in
     * flight for it, {@code busy}), and organizations take turns (rank 1 of each before rank 2 of any).
     * Each claim's {@code claimed_until} is its token: only the attempt holding it may record an outcome.
     */
    Uni<List<Due>> claim(String replica, int limit, Duration claimFor, Map<UUID, Integer> busyOrganizations,
            Map<UUID, Integer> busyEndpoints, int perOrganization, int perEndpoint) {
        return bounded(pool.preparedQuery("UPDATE webhook_delivery d SET status = 'delivering', claimed_by = $1,"
                + " claimed_until = clock_timestamp() + ($3 * interval '1 millisecond'), updated_at = now() FROM webhook_endpoint w"
                + " WHERE w.id = d.endpoint_id AND (d.status = 'pending' OR (d.status = 'delivering' AND d.claimed_until < now()))"
                + " AND d.id IN (SELECT r.id FROM (SELECT c.id, c.organization_id, c.endpoint_id,"
                + " row_number() OVER (PARTITION BY c.organization_id ORDER BY c.event_position, c.id) AS organization_rank,"
                + " row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.event_position, c.id) AS endpoint_rank"
                + " FROM webhook_delivery c WHERE (c.status = 'pending' OR (c.status = 'delivering' AND c.claimed_until < now()))"
                + " AND c.next_attempt_at <= now() AND NOT EXISTS (SELECT 1 FROM webhook_delivery e WHERE e.endpoint_id = c.endpoint_id"
                + " AND e.conversation = c.conversation AND e.event_position < c.event_position AND e.status IN ('pending', 'delivering'))"
                + ") r LEFT JOIN unnest($4::uuid[], $5::int[]) AS bo(id, n) ON bo.id = r.organization_id"
                + " LEFT JOIN unnest($6::uuid[], $7::int[]) AS be(id, n) ON be.id = r.endpoint_id"
                + " WHERE r.organization_rank + COALESCE(bo.n, 0) <= $8 AND r.endpoint_rank + COALESCE(be.n, 0) <= $9"
                + " ORDER BY r.organization_rank, r.endpoint_rank LIMIT $2)"
                + " RETURNING d.id, d.endpoint_id, d.organization_id, w.url, d.event_seq, d.attempts, d.created_at, d.claimed_until")
                .execute(Tuple.from(Arrays.asList(replica, limit, claimFor.toMillis(),
                        busyOrganizations.keySet().toArray(UUID[]::new), busyOrganizations.values().toArray(Integer[]::new),
                        busyEndpoints.keySet().toArray(UUID[]::new), busyEndpoints.values().toArray(Integer[]::new),
                        perOrganization, perEndpoint))).map(WebhookStore::dues));
    }

    private static List<Due> dues(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<Due> due = new ArrayList<>();
        rows.forEach(row -> due.add(new Due(row.getUUID("id"), row.getUUID("endpoint_id"), row.getUUID("organization_id"),
                row.getString("url"), row.getLong("event_seq"), row.getInteger("attempts"),
                row.getOffsetDateTime("created_at").toInstant(), row.getOffsetDateTime("claimed_until"))));
        return due;
    }

    /**
     * Records attempt {@code n} of a delivery this replica holds and moves it on: {@code delivered},
     * {@code dead}, or {@code pending} again at {@code nextAttemptAt}.
     */
    Uni<Void> attempted(Due due, String replica, int n, Integer statusCode, long latencyMs, String error, String response,
            String next, Instant nextAttemptAt) {
        UUID deliveryId = due.id();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return bounded(pool.withTransaction(connection -> connection.preparedQuery("UPDATE webhook_delivery SET status = $3,"
                + " attempts = $4, next_attempt_at = $5, claimed_by = NULL, claimed_until = NULL, updated_at = $6"
                + " WHERE id = $1 AND claimed_by = $2 AND status = 'delivering' AND claimed_until = $7")
                .execute(Tuple.from(Arrays.asList(deliveryId, replica, next, n, (nextAttemptAt == null ? Instant.now() : nextAttemptAt)
                        .atOffset(ZoneOffset.UTC), now, due.claimedUntil())))
                .flatMap(updated -> updated.rowCount() == 0 ? Uni.createFrom().voidItem()
                        : connection.preparedQuery("INSERT INTO webhook_attempt (delivery_id, n, at, status_code, latency_ms, error,"
                                + " response) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING")
                                .execute(Tuple.from(Arrays.asList(deliveryId, n, now, statusCode, latencyMs, limit(error, 500),
                                        limit(response, 1024)))).replaceWithVoid())));
    }

    /** Recent deliveries of the organization, newest first, with their attempts. */
    Uni<List<Delivery>> deliveries(UUID organizationId, int limit) {
        return bounded(pool.preparedQuery("SELECT d.*, e.type FROM webhook_delivery d JOIN whatsapp_event e ON e.seq = d.event_seq"
                + " WHERE d.organization_id = $1 ORDER BY d.event_position DESC, d.id LIMIT $2").execute(Tuple.of(organizationId, limit))
                .flatMap(rows -> {
                    List<Row> found = new ArrayList<>();
                    rows.forEach(found::add);
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(List.<Delivery>of());
                    }
                    UUID[] ids = found.stream().map(row -> row.getUUID("id")).toArray(UUID[]::new);
                    return pool.preparedQuery("SELECT * FROM webhook_attempt WHERE delivery_id = ANY($1) ORDER BY n")
                            .execute(Tuple.of(ids)).map(attempts -> {
                                List<Delivery> deliveries = new ArrayList<>();
                                for (Row row : found) {
                                    List<Attempt> log = new ArrayList<>();
                                    attempts.forEach(attempt -> {
                                        if (attempt.getUUID("delivery_id").equals(row.getUUID("id"))) {
                                            log.add(new Attempt(attempt.getInteger("n"), attempt.getOffsetDateTime("at").toInstant(),
                                                    attempt.getInteger("status_code"), attempt.getLong("latency_ms"),
                                                    attempt.getString("error"), attempt.getString("response")));
                                        }
                                    });
                                    deliveries.add(new Delivery(row.getUUID("id"), row.getUUID("endpoint_id"), row.getString("type"),
                                            row.getLong("event_seq"), row.getString("status"), row.getInteger("attempts"),
                                            row.getOffsetDateTime("next_attempt_at").toInstant(),
                                            row.getOffsetDateTime("created_at").toInstant(), log));
                                }
                                return deliveries;
                            });
                }));
    }

    /** Sends a delivery again (whatever its state but one being attempted): pending now, its attempts kept. */
    Uni<Boolean> redeliver(UUID organizationId, UUID deliveryId) {
        return bounded(pool.preparedQuery("UPDATE webhook_delivery SET status = 'pending', next_attempt_at = now(), updated_at = now()"
                + " WHERE organization_id = $1 AND id = $2 AND status <> 'delivering'").execute(Tuple.of(organizationId, deliveryId))
                .map(rows -> rows.rowCount() == 1));
    }

    Uni<Boolean> deliveryExists(UUID organizationId, UUID deliveryId) {
        return bounded(pool.preparedQuery("SELECT 1 FROM webhook_delivery WHERE organization_id = $1 AND id = $2")
                .execute(Tuple.of(organizationId, deliveryId)).map(rows -> rows.size() == 1));
    }

    /** Deliveries waiting (pending or being attempted), for the queue-depth gauge. */
    Uni<Long> open() {
        return bounded(pool.preparedQuery("SELECT count(*) FROM webhook_delivery WHERE status IN ('pending', 'delivering')")
                .execute().map(rows -> rows.iterator().next().getLong(0)));
    }

    private String open(UUID organizationId, byte[] nonce, byte[] ciphertext, String keyId) {
        try {
            return cipher.openText(organizationId, SECRET_PURPOSE, new AtRestCipher.Sealed(nonce, ciphertext, keyId));
        } catch (CryptoException e) {
            throw new IllegalStateException("a webhook secret cannot be opened with the configured keys", e);
        }
    }

    private static Endpoint endpoint(Row row) {
        OffsetDateTime until = row.getOffsetDateTime("previous_valid_until");
        return new Endpoint(row.getUUID("id"), row.getUUID("organization_id"), row.getString("url"),
                Arrays.asList(row.getArrayOfStrings("events")), row.getOffsetDateTime("created_at").toInstant(),
                until == null ? null : until.toInstant());
    }

    private static String limit(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    private <T> Uni<T> bounded(Uni<T> call) {
        return database.bounded(call);
    }

    /** Signing secrets: the current one and, while a rotation overlaps, the previous one. */
    @Produces
    static SealedColumns sealedSecrets() {
        return SealedColumns.of("webhook_endpoint", List.of("id"), SealedColumns.literal(SECRET_PURPOSE));
    }

    @Produces
    static SealedColumns sealedPreviousSecrets() {
        return new SealedColumns("webhook_endpoint", "webhook_endpoint.previous", List.of("id"), "previous_nonce",
                "previous_ciphertext", "previous_key_id", SealedColumns.literal(SECRET_PURPOSE));
    }
}
