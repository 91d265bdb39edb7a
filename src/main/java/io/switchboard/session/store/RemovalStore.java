package io.switchboard.session.store;

import io.switchboard.db.AtRestCipher;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.crypto.CryptoException;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.switchboard.db.SealedColumns;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Devices forgotten here that WhatsApp must still be told about. Rows are queued by the database
 * itself whenever stored credentials are deleted; any replica claims a few at a time.
 */
@ApplicationScoped
public class RemovalStore {

    public static final String CHANNEL = "switchboard_unlink";

    /** A queued removal, its credentials opened; {@code credentials} is null when no key opens them. */
    public record Removal(long id, UUID organizationId, Credentials credentials, int attempts, String problem) {
    }

    private static final String CLAIM = "UPDATE whatsapp_device_removal SET claimed_by = $1, attempts = attempts + 1,"
            + " claimed_until = now() + make_interval(secs => $2) WHERE id IN (SELECT id FROM whatsapp_device_removal"
            + " WHERE next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())"
            + " ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING *";

    private final Pool pool;
    private final AtRestCipher cipher;
    private final SessionStore bounds;

    RemovalStore(Pool pool, AtRestCipher cipher, SessionStore bounds) {
        this.pool = pool;
        this.cipher = cipher;
        this.bounds = bounds;
    }

    public Uni<List<Removal>> claim(String owner, Duration hold, int limit) {
        return bounds.bounded(pool.preparedQuery(CLAIM).execute(Tuple.of(owner, hold.toMillis() / 1000.0, limit))
                .map(rows -> {
                    List<Removal> out = new ArrayList<>();
                    rows.forEach(row -> out.add(removal(row)));
                    return out;
                }));
    }

    public Uni<Void> done(long id) {
        return bounds.bounded(pool.preparedQuery("DELETE FROM whatsapp_device_removal WHERE id = $1")
                .execute(Tuple.of(id)).replaceWithVoid());
    }

    public Uni<Void> retryLater(long id, Duration delay, String problem) {
        String shortProblem = problem == null ? null : problem.substring(0, Math.min(problem.length(), 250));
        return bounds.bounded(pool.preparedQuery("UPDATE whatsapp_device_removal SET claimed_by = NULL, claimed_until = NULL,"
                        + " next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1")
                .execute(Tuple.of(id, delay.toMillis() / 1000.0, shortProblem)).replaceWithVoid());
    }

    public Uni<Long> pending() {
        return bounds.bounded(pool.query("SELECT count(*) FROM whatsapp_device_removal").execute()
                .map(rows -> rows.iterator().next().getLong(0)));
    }

    private Removal removal(Row row) {
        UUID org = row.getUUID("organization_id");
        try {
            Credentials credentials = cipher.open(org, new AtRestCipher.Sealed(row.getBuffer("nonce").getBytes(),
                    row.getBuffer("ciphertext").getBytes(), row.getString("key_id")));
            return new Removal(row.getLong("id"), org, credentials, row.getInteger("attempts"), null);
        } catch (CryptoException e) {
            return new Removal(row.getLong("id"), org, null, row.getInteger("attempts"), e.getMessage());
        }
    }

    /** Queued removals hold a copy of the credentials as they were sealed. */
    @Produces
    static SealedColumns sealedRemovals() {
        return SealedColumns.of("whatsapp_device_removal", java.util.List.of("id"), null);
    }
}
