package io.switchboard.session.store;

import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.session.SessionEvent;
import io.switchboard.session.SessionState;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * PostgreSQL storage of sessions, their transition log and their encrypted credentials. A state
 * change and what belongs to it (credentials saved or wiped) are one transaction.
 */
@ApplicationScoped
public class SessionStore {

    /** What happens to the stored credentials together with a transition. */
    public sealed interface CredentialsChange permits Keep, Save, Wipe {
    }

    public record Keep() implements CredentialsChange {
    }

    public record Save(Credentials credentials) implements CredentialsChange {
    }

    public record Wipe() implements CredentialsChange {
    }

    public static final CredentialsChange KEEP = new Keep();
    public static final CredentialsChange WIPE = new Wipe();

    private static final String UPSERT_SESSION = "INSERT INTO whatsapp_session (organization_id, state, jid, phone_number,"
            + " last_disconnect_code, last_disconnect_reason, last_disconnect_at, reconnect_attempts, next_retry_at, updated_at)"
            + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (organization_id) DO UPDATE SET"
            + " state = $2, jid = $3, phone_number = $4, last_disconnect_code = $5, last_disconnect_reason = $6,"
            + " last_disconnect_at = $7, reconnect_attempts = $8, next_retry_at = $9, updated_at = $10";
    private static final String INSERT_TRANSITION = "INSERT INTO whatsapp_session_transition"
            + " (organization_id, from_state, to_state, event, reason, code, at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    private static final String UPSERT_CREDENTIALS = "INSERT INTO whatsapp_credentials (organization_id, nonce, ciphertext,"
            + " key_id, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organization_id) DO UPDATE SET"
            + " nonce = $2, ciphertext = $3, key_id = $4, updated_at = $5";

    private final Pool pool;
    private final CredentialsCipher cipher;

    SessionStore(Pool pool, CredentialsCipher cipher) {
        this.pool = pool;
        this.cipher = cipher;
    }

    public Uni<Boolean> organizationExists(UUID organizationId) {
        return pool.preparedQuery("SELECT 1 FROM organization WHERE id = $1").execute(Tuple.of(organizationId))
                .map(rows -> rows.size() > 0);
    }

    public Uni<Optional<SessionRecord>> find(UUID organizationId) {
        return pool.preparedQuery("SELECT * FROM whatsapp_session WHERE organization_id = $1")
                .execute(Tuple.of(organizationId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(record(rows.iterator().next())));
    }

    /** Stores the new state, its transition and the credentials change atomically. */
    public Uni<Void> record(SessionRecord next, Transition transition, CredentialsChange change) {
        return pool.withTransaction(connection -> connection.preparedQuery(UPSERT_SESSION).execute(Tuple.from(java.util.Arrays.asList(
                        next.organizationId(), next.state().name(), next.jid(), next.phoneNumber(),
                        next.lastDisconnectCode(), next.lastDisconnectReason(),
                        time(next.lastDisconnectAt()), next.reconnectAttempts(), time(next.nextRetryAt()),
                        time(next.updatedAt()))))
                .flatMap(ignored -> connection.preparedQuery(INSERT_TRANSITION).execute(Tuple.from(java.util.Arrays.asList(
                        next.organizationId(), transition.from().name(), transition.to().name(), transition.event().name(),
                        transition.reason(), transition.code(), time(transition.at())))))
                .flatMap(ignored -> applyCredentials(connection, next.organizationId(), change)))
                .replaceWithVoid();
    }

    private Uni<?> applyCredentials(SqlConnection connection, UUID organizationId, CredentialsChange change) {
        if (change instanceof Save) {
            CredentialsCipher.Sealed sealed = cipher.seal(organizationId, ((Save) change).credentials());
            return connection.preparedQuery(UPSERT_CREDENTIALS).execute(Tuple.of(organizationId,
                    io.vertx.core.buffer.Buffer.buffer(sealed.nonce()),
                    io.vertx.core.buffer.Buffer.buffer(sealed.ciphertext()), sealed.keyId(),
                    OffsetDateTime.now(ZoneOffset.UTC)));
        }
        if (change instanceof Wipe) {
            return connection.preparedQuery("DELETE FROM whatsapp_credentials WHERE organization_id = $1")
                    .execute(Tuple.of(organizationId));
        }
        return Uni.createFrom().voidItem();
    }

    /** Whether credentials are stored, without decrypting them. */
    public Uni<Boolean> hasCredentials(UUID organizationId) {
        return pool.preparedQuery("SELECT 1 FROM whatsapp_credentials WHERE organization_id = $1")
                .execute(Tuple.of(organizationId)).map(rows -> rows.size() > 0);
    }

    /** Replaces the stored credentials of a linked device (for example after new pre-keys). */
    public Uni<Void> saveCredentials(UUID organizationId, Credentials credentials) {
        return pool.withTransaction(connection -> applyCredentials(connection, organizationId, new Save(credentials)))
                .replaceWithVoid();
    }

    /** The stored credentials; a row that does not decrypt is reported, never silently dropped. */
    public Uni<Optional<Credentials>> credentials(UUID organizationId) {
        return pool.preparedQuery("SELECT nonce, ciphertext, key_id FROM whatsapp_credentials WHERE organization_id = $1")
                .execute(Tuple.of(organizationId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row row = rows.iterator().next();
                    try {
                        return Optional.of(cipher.open(organizationId, new CredentialsCipher.Sealed(
                                row.getBuffer("nonce").getBytes(), row.getBuffer("ciphertext").getBytes(),
                                row.getString("key_id"))));
                    } catch (CryptoException e) {
                        throw new IllegalStateException("stored credentials of " + organizationId + " cannot be decrypted: "
                                + e.getMessage());
                    }
                });
    }

    /** Organizations whose device is linked: the ones to resume at start-up. */
    public Uni<List<UUID>> withCredentials() {
        return pool.query("SELECT c.organization_id FROM whatsapp_credentials c JOIN whatsapp_session s"
                        + " ON s.organization_id = c.organization_id WHERE s.state NOT IN ('DISCONNECTED', 'LOGGED_OUT')"
                        + " ORDER BY c.organization_id").execute()
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getUUID(0)));
                    return ids;
                });
    }

    /**
     * Linked organizations whose connection should be running but that no replica holds: the
     * owner released it or its lease ran out (the replica died).
     */
    public Uni<List<UUID>> orphans() {
        return pool.query("SELECT s.organization_id FROM whatsapp_session s JOIN whatsapp_credentials c"
                        + " ON c.organization_id = s.organization_id"
                        + " WHERE s.state IN ('CONNECTING', 'PAIRED_RESTARTING', 'CONNECTED', 'RECONNECTING')"
                        + " AND (s.owner IS NULL OR s.lease_until < now()) ORDER BY s.organization_id").execute()
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getUUID(0)));
                    return ids;
                });
    }

    public Uni<List<Transition>> history(UUID organizationId) {
        return pool.preparedQuery("SELECT * FROM whatsapp_session_transition WHERE organization_id = $1 ORDER BY id")
                .execute(Tuple.of(organizationId))
                .map(rows -> {
                    List<Transition> out = new ArrayList<>();
                    rows.forEach(row -> out.add(new Transition(SessionState.valueOf(row.getString("from_state")),
                            SessionState.valueOf(row.getString("to_state")), SessionEvent.valueOf(row.getString("event")),
                            row.getString("reason"), row.getInteger("code"), row.getOffsetDateTime("at").toInstant())));
                    return out;
                });
    }

    /**
     * Takes or renews ownership of an organization's connection for {@code lease}; false when
     * another replica holds a live lease.
     */
    public Uni<Boolean> claim(UUID organizationId, String owner, Duration lease) {
        return pool.preparedQuery("UPDATE whatsapp_session SET owner = $2, lease_until = now() + make_interval(secs => $3)"
                        + " WHERE organization_id = $1 AND (owner IS NULL OR owner = $2 OR lease_until < now())")
                .execute(Tuple.of(organizationId, owner, (double) lease.toSeconds()))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Void> release(UUID organizationId, String owner) {
        return pool.preparedQuery("UPDATE whatsapp_session SET owner = NULL, lease_until = NULL"
                        + " WHERE organization_id = $1 AND owner = $2")
                .execute(Tuple.of(organizationId, owner)).replaceWithVoid();
    }

    private static SessionRecord record(Row row) {
        return new SessionRecord(row.getUUID("organization_id"), SessionState.valueOf(row.getString("state")),
                row.getString("jid"), row.getString("phone_number"), row.getInteger("last_disconnect_code"),
                row.getString("last_disconnect_reason"), instant(row.getOffsetDateTime("last_disconnect_at")),
                row.getInteger("reconnect_attempts"), instant(row.getOffsetDateTime("next_retry_at")),
                instant(row.getOffsetDateTime("updated_at")));
    }

    private static OffsetDateTime time(java.time.Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static java.time.Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
