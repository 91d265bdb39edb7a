package io.switchboard.session.store;

import io.switchboard.db.CredentialsUnreadable;
import io.switchboard.events.EventStore;
import io.switchboard.db.SqlTime;
import io.switchboard.db.FencedException;
import io.switchboard.db.Fence;
import io.switchboard.db.AtRestCipher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.switchboard.db.Database;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.session.SessionEvent;
import io.switchboard.session.SessionState;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.switchboard.db.SealedColumns;
import io.switchboard.events.EventPayloads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * PostgreSQL storage of sessions, their transition log, their encrypted credentials and the QR
 * being shown. Every write about a connection is fenced: it names the owner and epoch of the
 * claim it acts under and changes nothing when another replica claimed the connection since.
 * A state change and what belongs to it (credentials saved or wiped, QR) are one transaction.
 * Every call is bounded by {@code switchboard.database.timeout}.
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

    /** Deletes the credentials; {@code whatsAppKnows}: the device is already unlinked, queue no removal. */
    public record Wipe(boolean whatsAppKnows) implements CredentialsChange {
    }

    /** The QR shown from now on, or none; with the code to type on the phone when linking by code. */
    public record Qr(String text, Instant expiresAt, LinkCode linkCode) {
        public Qr(String text, Instant expiresAt) {
            this(text, expiresAt, null);
        }

        /** What is sealed: the QR text, then on a second line the link code, its phone and expiry. */
        String sealedText() {
            return linkCode == null ? text
                    : text + "\n" + linkCode.code() + " " + linkCode.phone() + " " + linkCode.expiresAt().toEpochMilli();
        }
    }

    /** A code to type on {@code phone} (Linked devices → Link with phone number), usable until {@code expiresAt}. */
    public record LinkCode(String code, String phone, Instant expiresAt) {
    }

    public static final CredentialsChange KEEP = new Keep();
    public static final String QR_PURPOSE = "qr";

    private static final Logger LOG = Logger.getLogger(SessionStore.class);
    private static final String SELECT_SESSION = "SELECT s.*, s.lease_until > now() AS lease_live,"
            + " EXISTS (SELECT 1 FROM whatsapp_credentials c WHERE c.organization_id = s.organization_id) AS linked"
            + " FROM whatsapp_session s WHERE s.organization_id = $1";
    private static final String SELECT_WITH_ORGANIZATION = "SELECT s.*, s.lease_until > now() AS lease_live,"
            + " EXISTS (SELECT 1 FROM whatsapp_credentials c WHERE c.organization_id = s.organization_id) AS linked"
            + " FROM organization o LEFT JOIN whatsapp_session s ON s.organization_id = o.id WHERE o.id = $1";
    private static final String UPDATE_SESSION = "UPDATE whatsapp_session SET state = $3, jid = $4, phone_number = $5,"
            + " last_disconnect_code = $6, last_disconnect_reason = $7, last_disconnect_at = $8, reconnect_attempts = $9,"
            + " next_retry_at = $10, updated_at = $11, qr_nonce = $12, qr_ciphertext = $13, qr_key_id = $14,"
            + " qr_expires_at = $15 WHERE organization_id = $1 AND owner = $2 AND epoch = $16";
    private static final String UPDATE_QR = "UPDATE whatsapp_session SET qr_nonce = $3, qr_ciphertext = $4, qr_key_id = $5,"
            + " qr_expires_at = $6 WHERE organization_id = $1 AND owner = $2 AND epoch = $7 AND state = 'AWAITING_QR'";
    private static final String RECORD_TRANSITION = "WITH s AS (" + UPDATE_SESSION + " RETURNING organization_id),"
            + " t AS (INSERT INTO whatsapp_session_transition (organization_id, from_state, to_state, event, reason, code, at)"
            + " SELECT organization_id, $17::varchar, $18::varchar, $19::varchar, $20::varchar, $21::int, $22::timestamptz FROM s), "
            + EventStore.writeEvent("s", 23) + " SELECT (SELECT count(*) FROM s) AS updated, " + EventStore.NOTIFIED;
    private static final String UPSERT_CREDENTIALS = "INSERT INTO whatsapp_credentials (organization_id, nonce, ciphertext,"
            + " key_id, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organization_id) DO UPDATE SET"
            + " nonce = $2, ciphertext = $3, key_id = $4, updated_at = $5";

    private final Pool pool;
    private final AtRestCipher cipher;
    private final Database database;
    private final Counter unreadable;

    private final EventStore events;

    SessionStore(Pool pool, AtRestCipher cipher, Database database, MeterRegistry metrics, EventStore events) {
        this.pool = pool;
        this.cipher = cipher;
        this.events = events;
        this.database = database;
        this.unreadable = Counter.builder("switchboard.credentials.unreadable")
                .description("Reads of stored credentials that no configured key opens").register(metrics);
    }

    void countUnreadable() {
        unreadable.increment();
    }

    /** Bounds a database call ({@link Database#bounded}): a database that hangs fails the call instead of holding its caller. */
    <T> Uni<T> bounded(Uni<T> call) {
        return database.bounded(call);
    }

    public Uni<Boolean> organizationExists(UUID organizationId) {
        return bounded(pool.preparedQuery("SELECT 1 FROM organization WHERE id = $1").execute(Tuple.of(organizationId))
                .map(rows -> rows.size() > 0));
    }

    /**
     * The organization's session in one indexed query (the status endpoint's read): empty when the
     * organization does not exist; an empty inner value when it exists but never had a session row.
     */
    public Uni<Optional<Optional<StoredSession>>> findWithOrganization(UUID organizationId) {
        return bounded(pool.preparedQuery(SELECT_WITH_ORGANIZATION).execute(Tuple.of(organizationId)).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row row = rows.iterator().next();
            return Optional.of(row.getUUID("organization_id") == null ? Optional.empty() : Optional.of(stored(row)));
        }));
    }

    /** The organization's last {@code limit} transitions, newest first. */
    public Uni<List<Transition>> transitions(UUID organizationId, int limit) {
        return bounded(pool.preparedQuery("SELECT from_state, to_state, event, reason, code, at FROM whatsapp_session_transition"
                + " WHERE organization_id = $1 ORDER BY id DESC LIMIT $2").execute(Tuple.of(organizationId, limit)).map(rows -> {
                    List<Transition> list = new ArrayList<>();
                    rows.forEach(row -> list.add(new Transition(SessionState.valueOf(row.getString("from_state")),
                            SessionState.valueOf(row.getString("to_state")), SessionEvent.valueOf(row.getString("event")),
                            row.getString("reason"), row.getInteger("code"), SqlTime.instant(row.getOffsetDateTime("at")))));
                    return list;
                }));
    }

    /** The session as stored, with its QR opened; empty when it never had a row (or was deleted). */
    public Uni<Optional<StoredSession>> find(UUID organizationId) {
        return bounded(pool.preparedQuery(SELECT_SESSION).execute(Tuple.of(organizationId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(stored(rows.iterator().next()))));
    }

    /** Stores the new state, its transition, the credentials change and the QR atomically, under {@code fence}. */
    public Uni<Void> record(Fence fence, SessionRecord next, Transition transition, CredentialsChange change, Qr qr) {
        UUID org = next.organizationId();
        AtRestCipher.Sealed sealedQr = qr == null ? null : cipher.sealText(org, QR_PURPOSE, qr.sealedText());
        List<Object> update = Arrays.asList(org, fence.owner(), next.state().name(), next.jid(), next.phoneNumber(),
                next.lastDisconnectCode(), next.lastDisconnectReason(),
                SqlTime.of(next.lastDisconnectAt()), next.reconnectAttempts(), SqlTime.of(next.nextRetryAt()),
                SqlTime.of(next.updatedAt()), sealedQr == null ? null : Buffer.buffer(sealedQr.nonce()),
                sealedQr == null ? null : Buffer.buffer(sealedQr.ciphertext()), sealedQr == null ? null : sealedQr.keyId(),
                qr == null ? null : SqlTime.of(qr.expiresAt()), fence.epoch());
        List<Object> step = Arrays.asList(transition.from().name(), transition.to().name(), transition.event().name(),
                transition.reason(), transition.code(), SqlTime.of(transition.at()));
        JsonObject changed = EventPayloads.json(new EventPayloads.StateChanged(transition.from().name(), transition.to().name(),
                transition.event().name(), transition.reason(), transition.code(), transition.at() == null ? null
                        : transition.at().toString()));
        List<Object> parameters = new ArrayList<>(update);
        parameters.addAll(step);
        parameters.addAll(events.prepare(org, EventStore.SESSION_STATE_CHANGED, null, changed).parameters());
        if (change == KEEP && qr == null) {
            // Most transitions (every login writes two): state, transition, event, deliveries, notification in one statement.
            return bounded(pool.preparedQuery(RECORD_TRANSITION).execute(Tuple.from(parameters)).flatMap(rows -> fenced(rows, org, fence)));
        }
        // With a QR or a credentials change: the same statement, then those, in one transaction.
        return bounded(pool.withTransaction(connection -> connection.preparedQuery(RECORD_TRANSITION).execute(Tuple.from(parameters))
                .flatMap(rows -> fenced(rows, org, fence))
                .flatMap(ignored -> qr == null ? Uni.createFrom().voidItem() : qrEvent(connection, org, qr))
                .flatMap(ignored -> applyCredentials(connection, org, change))))
                .replaceWithVoid();
    }

    private static Uni<Void> fenced(io.vertx.mutiny.sqlclient.RowSet<Row> rows, UUID org, Fence fence) {
        return rows.iterator().next().getLong("updated") == 1 ? Uni.createFrom().voidItem()
                : Uni.createFrom().failure(new FencedException(org, fence));
    }

    private Uni<Void> qrEvent(SqlConnection connection, UUID organizationId, Qr qr) {
        JsonObject data = EventPayloads.json(new EventPayloads.QrShown(qr.text(), qr.expiresAt().toString(), qr.linkCode() == null
                ? null : new EventPayloads.PairingCode(qr.linkCode().code(), qr.linkCode().phone())));
        return events.append(connection, organizationId, EventStore.SESSION_QR, null, data);
    }

    /** Shows the next QR of a linking in progress. */
    public Uni<Void> saveQr(Fence fence, UUID organizationId, Qr qr) {
        AtRestCipher.Sealed sealed = cipher.sealText(organizationId, QR_PURPOSE, qr.sealedText());
        return bounded(pool.withTransaction(connection -> connection.preparedQuery(UPDATE_QR).execute(Tuple.from(Arrays.asList(
                        organizationId, fence.owner(), Buffer.buffer(sealed.nonce()), Buffer.buffer(sealed.ciphertext()),
                        sealed.keyId(), SqlTime.of(qr.expiresAt()), fence.epoch())))
                .flatMap(rows -> rows.rowCount() == 1 ? qrEvent(connection, organizationId, qr)
                        : Uni.createFrom().failure(new FencedException(organizationId, fence)))));
    }

    private Uni<?> applyCredentials(SqlConnection connection, UUID organizationId, CredentialsChange change) {
        if (change instanceof Save) {
            AtRestCipher.Sealed sealed = cipher.seal(organizationId, ((Save) change).credentials());
            return connection.preparedQuery(UPSERT_CREDENTIALS).execute(Tuple.of(organizationId,
                    Buffer.buffer(sealed.nonce()), Buffer.buffer(sealed.ciphertext()), sealed.keyId(),
                    OffsetDateTime.now(ZoneOffset.UTC)));
        }
        if (change instanceof Wipe) {
            Uni<?> mark = ((Wipe) change).whatsAppKnows()
                    ? connection.query("SET LOCAL switchboard.device_unlinked = 'on'").execute()
                    : Uni.createFrom().voidItem();
            // Sessions belong to the device being wiped: a new device starts without any.
            return mark.flatMap(ignored -> connection.preparedQuery("DELETE FROM whatsapp_credentials WHERE organization_id = $1")
                    .execute(Tuple.of(organizationId)))
                    .flatMap(ignored -> connection.preparedQuery("DELETE FROM whatsapp_signal_session WHERE organization_id = $1")
                            .execute(Tuple.of(organizationId)));
        }
        return Uni.createFrom().voidItem();
    }

    /** Replaces the stored credentials of a linked device (for example after new pre-keys), under {@code fence}. */
    public Uni<Void> saveCredentials(Fence fence, UUID organizationId, Credentials credentials) {
        return bounded(pool.withTransaction(connection -> connection.preparedQuery(Fence.HOLDS)
                .execute(Tuple.of(organizationId, fence.owner(), fence.epoch()))
                .flatMap(rows -> rows.size() == 1 ? applyCredentials(connection, organizationId, new Save(credentials))
                        : Uni.createFrom().failure(new FencedException(organizationId, fence)))))
                .replaceWithVoid();
    }

    /** Linked organizations WhatsApp refused as outdated that no live replica holds. */
    public Uni<List<UUID>> outdatedLinked(int limit) {
        return bounded(pool.preparedQuery("SELECT s.organization_id FROM whatsapp_session s JOIN whatsapp_credentials c"
                + " ON c.organization_id = s.organization_id WHERE s.state = 'CLIENT_OUTDATED'"
                + " AND (s.owner IS NULL OR s.lease_until < now()) ORDER BY s.updated_at LIMIT $1")
                .execute(Tuple.of(limit))
                .map(rows -> {
                    List<UUID> ids = new java.util.ArrayList<>(rows.size());
                    rows.forEach(row -> ids.add(row.getUUID(0)));
                    return ids;
                }));
    }

    /** Whether a credentials row is stored, readable or not (tests and operators). */
    public Uni<Boolean> hasCredentialsRow(UUID organizationId) {
        return bounded(pool.preparedQuery("SELECT 1 FROM whatsapp_credentials WHERE organization_id = $1")
                .execute(Tuple.of(organizationId)).map(rows -> rows.size() > 0));
    }

    /** The stored credentials; a row that does not decrypt is reported, never silently dropped. */
    public Uni<Optional<Credentials>> credentials(UUID organizationId) {
        return bounded(pool.preparedQuery("SELECT nonce, ciphertext, key_id FROM whatsapp_credentials WHERE organization_id = $1")
                .execute(Tuple.of(organizationId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.<Opened>empty();
                    }
                    Row row = rows.iterator().next();
                    AtRestCipher.Sealed sealed = new AtRestCipher.Sealed(row.getBuffer("nonce").getBytes(),
                            row.getBuffer("ciphertext").getBytes(), row.getString("key_id"));
                    try {
                        return Optional.of(new Opened(cipher.open(organizationId, sealed), sealed));
                    } catch (CryptoException e) {
                        unreadable.increment();
                        LOG.errorf("stored credentials of %s cannot be opened (%s): the organization cannot log in until"
                                + " the key that sealed them is in switchboard.credentials.key again", organizationId,
                                e.getMessage());
                        throw new CredentialsUnreadable(organizationId, e.getMessage());
                    }
                })
                .flatMap(opened -> opened.isEmpty() ? Uni.createFrom().item(Optional.<Credentials>empty())
                        : reseal(organizationId, opened.get()).replaceWith(Optional.of(opened.get().credentials()))));
    }

    private record Opened(Credentials credentials, AtRestCipher.Sealed sealed) {
    }

    /** A row sealed under an older key is sealed again under the current one, unless it changed meanwhile. */
    private Uni<Void> reseal(UUID organizationId, Opened opened) {
        if (!cipher.isStale(opened.sealed().keyId())) {
            return Uni.createFrom().voidItem();
        }
        return resealRow(organizationId, opened.credentials(), opened.sealed())
                .onFailure().invoke(error -> LOG.warnf("re-sealing the credentials of %s failed (retried on the next read): %s",
                        organizationId, error.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Seals {@code credentials} under the current key in place of {@code old}; false when the row changed meanwhile. */
    Uni<Boolean> resealRow(UUID organizationId, Credentials credentials, AtRestCipher.Sealed old) {
        AtRestCipher.Sealed fresh = cipher.seal(organizationId, credentials);
        return bounded(pool.preparedQuery("UPDATE whatsapp_credentials SET nonce = $2, ciphertext = $3, key_id = $4"
                        + " WHERE organization_id = $1 AND key_id = $5 AND nonce = $6")
                .execute(Tuple.of(organizationId, Buffer.buffer(fresh.nonce()), Buffer.buffer(fresh.ciphertext()),
                        fresh.keyId(), old.keyId(), Buffer.buffer(old.nonce())))
                .map(rows -> rows.rowCount() == 1));
    }

    public Uni<List<Transition>> history(UUID organizationId) {
        return bounded(pool.preparedQuery("SELECT * FROM whatsapp_session_transition WHERE organization_id = $1 ORDER BY id")
                .execute(Tuple.of(organizationId))
                .map(rows -> {
                    List<Transition> out = new ArrayList<>();
                    rows.forEach(row -> out.add(new Transition(SessionState.valueOf(row.getString("from_state")),
                            SessionState.valueOf(row.getString("to_state")), SessionEvent.valueOf(row.getString("event")),
                            row.getString("reason"), row.getInteger("code"), row.getOffsetDateTime("at").toInstant())));
                    return out;
                }));
    }

    private StoredSession stored(Row row) {
        UUID org = row.getUUID("organization_id");
        SessionRecord record = new SessionRecord(org, SessionState.valueOf(row.getString("state")),
                row.getString("jid"), row.getString("phone_number"), row.getInteger("last_disconnect_code"),
                row.getString("last_disconnect_reason"), SqlTime.instant(row.getOffsetDateTime("last_disconnect_at")),
                row.getInteger("reconnect_attempts"), SqlTime.instant(row.getOffsetDateTime("next_retry_at")),
                SqlTime.instant(row.getOffsetDateTime("updated_at")));
        String qrText = null;
        Instant qrExpiresAt = SqlTime.instant(row.getOffsetDateTime("qr_expires_at"));
        if (row.getBuffer("qr_nonce") != null && qrExpiresAt != null) {
            try {
                qrText = cipher.openText(org, QR_PURPOSE, new AtRestCipher.Sealed(row.getBuffer("qr_nonce").getBytes(),
                        row.getBuffer("qr_ciphertext").getBytes(), row.getString("qr_key_id")));
            } catch (CryptoException e) {
                LOG.errorf("the stored QR of %s cannot be opened: %s", org, e.getMessage());
            }
        }
        LinkCode linkCode = null;
        int newline = qrText == null ? -1 : qrText.indexOf('\n');
        if (newline >= 0) {
            String[] code = qrText.substring(newline + 1).split(" ");
            qrText = qrText.substring(0, newline);
            if (code.length == 3 && code[2].matches("[0-9]{1,15}")) {
                linkCode = new LinkCode(code[0], code[1], Instant.ofEpochMilli(Long.parseLong(code[2])));
            }
        }
        Boolean live = row.getBoolean("lease_live");
        return new StoredSession(record, row.getString("owner"), row.getLong("epoch"), live != null && live,
                qrText, qrText == null ? null : qrExpiresAt, linkCode, row.getBoolean("linked"));
    }

    /** Stored credentials are sealed with the organization alone as associated data. */
    @Produces
    static SealedColumns sealedCredentials() {
        return SealedColumns.of("whatsapp_credentials", List.of("organization_id"), null);
    }

    /** The QR being shown. */
    @Produces
    static SealedColumns sealedQr() {
        return new SealedColumns("whatsapp_session", "whatsapp_session.qr", List.of("organization_id"), "qr_nonce",
                "qr_ciphertext", "qr_key_id", SealedColumns.literal(QR_PURPOSE));
    }
}
