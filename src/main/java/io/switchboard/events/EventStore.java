package io.switchboard.events;

import io.switchboard.db.SqlTime;
import io.switchboard.db.AtRestCipher;
import io.smallrye.mutiny.Uni;
import io.switchboard.db.CredentialsUnreadable;
import io.switchboard.db.Database;
import io.switchboard.protocol.crypto.CryptoException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.switchboard.db.SealedColumns;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The organizations' events, each written in the transaction of the change it reports, with one
 * webhook delivery per endpoint that asked for its type (the webhook outbox) and a notification on
 * {@value #CHANNEL}. The JSON body is fixed when the event is written, so every delivery and every
 * retry sends the same bytes under the same id.
 */
@ApplicationScoped
public class EventStore {

    public static final String CHANNEL = "switchboard_event";
    public static final String SESSION_STATE_CHANGED = "session.state_changed";
    public static final String SESSION_QR = "session.qr";
    public static final String MESSAGE_RECEIVED = "message.received";
    public static final String MESSAGE_STATUS = "message.status";
    public static final String MESSAGE_REACTION = "message.reaction";
    public static final String MESSAGE_EDITED = "message.edited";
    public static final String MESSAGE_DELETED = "message.deleted";
    public static final String PRESENCE_UPDATED = "presence.updated";
    public static final String GROUP_CREATED = "group.created";
    public static final String GROUP_JOINED = "group.joined";
    public static final String GROUP_UPDATED = "group.updated";
    public static final String GROUP_PARTICIPANTS = "group.participants";
    public static final String GROUP_LEFT = "group.left";
    public static final String PURPOSE = "event";

    /**
     * An event as stored: {@code seq} is the row's key, {@code position} its place in the
     * organization's commit order (the stream's event id); {@code body} is the JSON sent to webhooks and streams.
     */
    public record Event(long seq, long position, UUID id, UUID organizationId, String type, String conversation, String body, Instant createdAt) {
    }

    private final Pool pool;
    private final AtRestCipher cipher;
    private final Database database;

    EventStore(Pool pool, AtRestCipher cipher, Database database) {
        this.pool = pool;
        this.cipher = cipher;
        this.database = database;
    }

    /**
     * In the caller's transaction: the event {@code type} with {@code data}, its deliveries and the
     * notification. {@code conversation} orders deliveries (events of one conversation reach an
     * endpoint in order); null puts the event in the organization's "session" conversation.
     */
    public Uni<Void> append(SqlConnection connection, UUID organizationId, String type, String conversation, JsonObject data) {
        Prepared event = prepare(organizationId, type, conversation, data);
        return connection.preparedQuery("WITH " + writeEvent("(SELECT 1) AS one", 1) + " SELECT " + NOTIFIED)
                .execute(Tuple.from(event.parameters())).replaceWithVoid();
    }

    /** An event ready to be written: its id, sealed body, ordering conversation and time. */
    public record Prepared(UUID id, UUID organizationId, String type, String conversation, AtRestCipher.Sealed sealed,
            OffsetDateTime at) {

        /** The parameters of {@link #writeEvent}, in its order. */
        public List<Object> parameters() {
            return Arrays.asList(id, organizationId, type, conversation, Buffer.buffer(sealed.nonce()),
                    Buffer.buffer(sealed.ciphertext()), sealed.keyId(), at);
        }
    }

    public Prepared prepare(UUID organizationId, String type, String conversation, JsonObject data) {
        UUID id = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        String body = EventPayloads.json(new EventPayloads.Envelope("evt_" + id.toString().replace("-", ""), type,
                now.toInstant().toString(), organizationId.toString(), data)).encode();
        return new Prepared(id, organizationId, type, conversation == null ? "session" : conversation,
                cipher.sealText(organizationId, PURPOSE, body), now);
    }

    /**
     * Common table expressions that write a {@link Prepared} event (parameters from {@code $first},
     * in {@link Prepared#parameters()} order) once per row of {@code guard}, with one delivery per
     * webhook endpoint that asked for its type: {@code ev_position} (the organization's counter,
     * incremented), {@code ev} (the event at that position) and {@code ev_deliveries}. The counter
     * row stays locked until the caller's transaction ends, so the organization's next event waits
     * for this one's commit: positions are gap-free and in commit order (readers never skip one).
     * With {@link #NOTIFIED} in the final SELECT the whole write is one statement, one round trip.
     */
    public static String writeEvent(String guard, int first) {
        String[] p = new String[8];
        for (int i = 0; i < p.length; i++) {
            p[i] = "$" + (first + i);
        }
        return "ev_position AS (INSERT INTO whatsapp_event_counter (organization_id, last_position) SELECT " + p[1]
                + "::uuid, 1 FROM " + guard + " ON CONFLICT (organization_id) DO UPDATE SET last_position ="
                + " whatsapp_event_counter.last_position + 1 RETURNING last_position),"
                + " ev AS (INSERT INTO whatsapp_event (id, organization_id, type, conversation, nonce, ciphertext, key_id, created_at,"
                + " position) SELECT " + p[0] + "::uuid, " + p[1] + "::uuid, " + p[2] + "::varchar, " + p[3] + "::varchar, "
                + p[4] + "::bytea, " + p[5] + "::bytea, " + p[6] + "::varchar, " + p[7] + "::timestamptz, last_position"
                + " FROM ev_position RETURNING seq, position, organization_id, type, conversation, created_at),"
                + " ev_deliveries AS (INSERT INTO webhook_delivery (id, endpoint_id, event_seq, event_position, organization_id,"
                + " conversation, status, next_attempt_at, created_at, updated_at) SELECT gen_random_uuid(), w.id, ev.seq,"
                + " ev.position, ev.organization_id, ev.conversation, 'pending', ev.created_at, ev.created_at, ev.created_at"
                + " FROM ev JOIN webhook_endpoint w ON w.organization_id = ev.organization_id AND ev.type = ANY(w.events))";
    }

    /** Notifies {@value #CHANNEL} for the event written (if any); answers how many were. */
    public static final String NOTIFIED = "(SELECT count(*) FROM ev, LATERAL pg_notify('" + CHANNEL + "', ev.organization_id::text)) AS notified";

    /** Deletes events older than {@code cutoff} that no webhook delivery still waits for (their deliveries go with them). */
    public Uni<Integer> deleteBefore(Instant cutoff) {
        return database.bounded(pool.preparedQuery("DELETE FROM whatsapp_event e WHERE e.created_at < $1 AND NOT EXISTS"
                + " (SELECT 1 FROM webhook_delivery d WHERE d.event_seq = e.seq AND d.status IN ('pending', 'delivering'))")
                .execute(Tuple.of(SqlTime.of(cutoff))).map(rows -> rows.rowCount()));
    }

    /** The event with sequence number {@code seq}; null when gone. */
    public Uni<Event> find(long seq) {
        return database.bounded(pool.preparedQuery("SELECT * FROM whatsapp_event WHERE seq = $1").execute(Tuple.of(seq))
                .map(rows -> rows.size() == 0 ? null : event(rows.iterator().next())));
    }

    /** The organization's events after position {@code after}, in commit order, at most {@code limit}. */
    public Uni<java.util.List<Event>> after(UUID organizationId, long after, int limit) {
        return database.bounded(pool.preparedQuery("SELECT * FROM whatsapp_event WHERE organization_id = $1 AND position > $2"
                + " ORDER BY position LIMIT $3").execute(Tuple.of(organizationId, after, limit))
                .map(rows -> {
                    java.util.List<Event> events = new java.util.ArrayList<>();
                    rows.forEach(row -> events.add(event(row)));
                    return events;
                }));
    }

    /** The position of the organization's newest committed event (0 when none). */
    public Uni<Long> latest(UUID organizationId) {
        return database.bounded(pool.preparedQuery("SELECT coalesce(max(position), 0) FROM whatsapp_event"
                + " WHERE organization_id = $1")
                .execute(Tuple.of(organizationId)).map(rows -> rows.iterator().next().getLong(0)));
    }

    private Event event(Row row) {
        UUID organizationId = row.getUUID("organization_id");
        String body;
        try {
            body = cipher.openText(organizationId, PURPOSE, new AtRestCipher.Sealed(row.getBuffer("nonce").getBytes(),
                    row.getBuffer("ciphertext").getBytes(), row.getString("key_id")));
        } catch (CryptoException e) {
            throw new CredentialsUnreadable(organizationId, "an event: " + e.getMessage());
        }
        return new Event(row.getLong("seq"), row.getLong("position"), row.getUUID("id"), organizationId, row.getString("type"),
                row.getString("conversation"), body, SqlTime.instant(row.getOffsetDateTime("created_at")));
    }

    /** Event payloads. */
    @Produces
    static SealedColumns sealedEvents() {
        return SealedColumns.of("whatsapp_event", List.of("seq"), SealedColumns.literal(PURPOSE));
    }
}
