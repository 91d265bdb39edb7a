package io.switchboard.messaging;

import io.switchboard.db.CredentialsUnreadable;
import io.switchboard.events.EventStore;
import io.switchboard.db.SqlTime;
import io.switchboard.db.Database;
import io.switchboard.db.Fence;
import io.switchboard.db.AtRestCipher;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.crypto.CryptoException;
import io.vertx.core.buffer.Buffer;
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
import java.util.Map;
import java.util.UUID;

/**
 * The outbox of texts organizations asked to send (text sealed like the credentials) and each
 * one's status history. Any replica enqueues (and notifies on {@value #CHANNEL}); the replica
 * running the connection sends and records the outcome under its fence; receipts move a status
 * forward only (queued → sending → sent → delivered → read; failed is final).
 */
@ApplicationScoped
public class OutboxStore {

    public static final String CHANNEL = "switchboard_outbox";
    static final String TEXT_PURPOSE = "outbound-text";
    private static final String RANK = "CASE %s WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2"
            + " WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 ELSE 5 END";
    private static final String COLUMNS = "id, organization_id, to_phone, whatsapp_id, nonce, ciphertext, key_id, status, reason,"
            + " detail, attempts, created_at, updated_at, sent_at, request_hash, kind, media, media_blob_id, media_url,"
            + " media_direct_path, context";

    /** One status a message reached. */
    public record StatusChange(String status, Instant at, String detail) {
    }

    /**
     * A message in the outbox: a text, or a file ({@code media}, whose caption is {@code text}).
     * {@code text} is opened; {@code history} is filled by {@link #find} only.
     */
    public record Outbound(UUID id, UUID organizationId, String to, String whatsappId, String text, String status,
            String reason, String detail, int attempts, Instant createdAt, Instant updatedAt, Instant sentAt,
            String requestHash, List<StatusChange> history, OutboundMedia media, OutboundContext context) {

        public Outbound(UUID id, UUID organizationId, String to, String whatsappId, String text, String status,
                String reason, String detail, int attempts, Instant createdAt, Instant updatedAt, Instant sentAt,
                String requestHash, List<StatusChange> history) {
            this(id, organizationId, to, whatsappId, text, status, reason, detail, attempts, createdAt, updatedAt, sentAt,
                    requestHash, history, null, null);
        }

        public Outbound(UUID id, UUID organizationId, String to, String whatsappId, String text, String status,
                String reason, String detail, int attempts, Instant createdAt, Instant updatedAt, Instant sentAt,
                String requestHash, List<StatusChange> history, OutboundMedia media) {
            this(id, organizationId, to, whatsappId, text, status, reason, detail, attempts, createdAt, updatedAt, sentAt,
                    requestHash, history, media, null);
        }

        /** The same message with its file as uploaded. */
        public Outbound withMedia(OutboundMedia uploaded) {
            return new Outbound(id, organizationId, to, whatsappId, text, status, reason, detail, attempts, createdAt, updatedAt, sentAt,
                    requestHash, history, uploaded, context);
        }

        /** What the API calls it: text, a file's type, reaction, edit or revoke. */
        public String kind() {
            return context != null && !"reply".equals(context.kind()) ? context.kind() : media != null ? media.type().apiName() : "text";
        }

        /** The message WhatsApp gets (a file only once uploaded: {@code media} as recorded). */
        public io.switchboard.protocol.proto.Message content() {
            return OutboundContent.of(this);
        }
    }

    /**
     * What a sent message is about: {@code reply} (to {@code targetId}, quoting {@code quoted}, from
     * {@code participant}; and/or {@code mentions}), {@code reaction} ({@code text} the emoji),
     * {@code edit} ({@code text} the new text) or {@code revoke} of {@code targetId}.
     */
    public record OutboundContext(String kind, String targetId, String participant, boolean targetFromMe, List<String> mentions,
            String quoted) {

        io.vertx.core.json.JsonObject json() {
            io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject().put("kind", kind).put("fromMe", targetFromMe)
                    .put("mentions", new io.vertx.core.json.JsonArray(mentions == null ? List.of() : mentions));
            if (targetId != null) {
                json.put("targetId", targetId);
            }
            if (participant != null) {
                json.put("participant", participant);
            }
            return json;
        }

        static OutboundContext of(Object column, String quoted) {
            if (column == null) {
                return null;
            }
            io.vertx.core.json.JsonObject json = column instanceof io.vertx.core.json.JsonObject j ? j
                    : new io.vertx.core.json.JsonObject(String.valueOf(column));
            return new OutboundContext(json.getString("kind"), json.getString("targetId"), json.getString("participant"),
                    json.getBoolean("fromMe", false), json.getJsonArray("mentions", new io.vertx.core.json.JsonArray()).stream()
                            .map(String::valueOf).toList(), quoted);
        }
    }

    /**
     * The file of a media message: its type, what is not secret ({@code facts}: mimetype, sizes,
     * hashes, dimensions, seconds), the staged blob, where a media host keeps it once uploaded, and
     * the sealed part opened (file name, media key, thumbnail).
     */
    public record OutboundMedia(io.switchboard.protocol.media.MediaType type, io.vertx.core.json.JsonObject facts, UUID blobId,
            String url, String directPath, String fileName, byte[] mediaKey, byte[] thumbnail) {

        /** The message WhatsApp gets for it (uploaded only). */
        public io.switchboard.protocol.proto.Message message(String caption) {
            return io.switchboard.protocol.message.MediaMessages.message(new io.switchboard.protocol.media.MediaAttachment(type,
                    url, directPath, facts.getString("mimetype"), mediaKey,
                    java.util.Base64.getDecoder().decode(facts.getString("sha256")),
                    java.util.Base64.getDecoder().decode(facts.getString("encSha256")), facts.getLong("size"),
                    facts.getLong("keyTimestamp", 0L), caption, fileName, facts.getInteger("width"), facts.getInteger("height"),
                    facts.getInteger("seconds"), thumbnail));
        }
    }

    /** What enqueueing answered: the message, and whether this call created it (false: the idempotency key's first answer). */
    public record Enqueued(Outbound message, boolean created) {
    }

    /** The idempotency key was used within 24 h for a different request. */
    public static final class KeyReused extends RuntimeException {
        KeyReused() {
            super("This Idempotency-Key was used in the last 24 hours for a different request.", null, false, false);
        }
    }

    /** The organization already has {@code limit} texts waiting. */
    public static final class QueueFull extends RuntimeException {
        QueueFull(int limit) {
            super("This organization already has " + limit + " texts waiting to be sent.", null, false, false);
        }
    }

    private final Pool pool;
    private final AtRestCipher cipher;
    private final Database database;

    private final EventStore events;

    OutboxStore(Pool pool, AtRestCipher cipher, Database database, EventStore events) {
        this.pool = pool;
        this.cipher = cipher;
        this.database = database;
        this.events = events;
    }

    /** The {@code message.status} event, in the caller's transaction. */
    private Uni<Void> statusEvent(SqlConnection connection, UUID organizationId, Row row, String status, String reason,
            String detail, OffsetDateTime at) {
        String to = row.getString("to_phone");
        return events.append(connection, organizationId, EventStore.MESSAGE_STATUS, to, statusPayload(row.getUUID("id"),
                row.getString("whatsapp_id"), to, status, reason, detail, at));
    }

    private static io.vertx.core.json.JsonObject statusPayload(UUID id, String whatsappId, String to, String status, String reason,
            String detail, OffsetDateTime at) {
        return EventPayloads.json(new EventPayloads.MessageStatus(id.toString(), whatsappId, new EventPayloads.Party(to,
                to + "@s.whatsapp.net"), status, reason, detail, at.toInstant().toString()));
    }

    private Uni<Void> statusEvents(SqlConnection connection, io.vertx.mutiny.sqlclient.RowSet<Row> rows, String status,
            String reason, String detail, OffsetDateTime at) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Row row : rows) {
            chain = chain.flatMap(ignored -> statusEvent(connection, row.getUUID("organization_id"), row, status, reason, detail, at));
        }
        return chain;
    }

    /**
     * Stores a text to send (or answers the first message stored under {@code idempotencyKey} in the
     * last 24 hours), records "queued" and notifies the replicas, in one transaction.
     */
    public Uni<Enqueued> enqueue(UUID organizationId, String idempotencyKey, String requestHash, String to, String text,
            String whatsappId, int queueLimit) {
        return enqueue(organizationId, idempotencyKey, requestHash, to, text, null, whatsappId, queueLimit);
    }

    /**
     * As {@link #enqueue(UUID, String, String, String, String, String, int)}, for a text or, with
     * {@code media}, a staged file whose caption is {@code text} (null: none).
     */
    public Uni<Enqueued> enqueue(UUID organizationId, String idempotencyKey, String requestHash, String to, String text,
            OutboundMedia media, String whatsappId, int queueLimit) {
        return enqueue(organizationId, idempotencyKey, requestHash, to, text, media, null, whatsappId, queueLimit);
    }

    /** As above, for a message about another one ({@code context}: a reply, a reaction, an edit, a revoke). */
    public Uni<Enqueued> enqueue(UUID organizationId, String idempotencyKey, String requestHash, String to, String text,
            OutboundMedia media, OutboundContext context, String whatsappId, int queueLimit) {
        UUID id = UUID.randomUUID();
        AtRestCipher.Sealed sealed = cipher.sealText(organizationId, TEXT_PURPOSE, media != null
                ? sealedMedia(text, media, context == null ? null : context.quoted())
                : context != null ? new io.vertx.core.json.JsonObject().put("text", text).put("quoted", context.quoted()).encode()
                : text);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String kind = context != null && !"reply".equals(context.kind()) ? context.kind() : media == null ? "text" : media.type().apiName();
        EventStore.Prepared queued = events.prepare(organizationId, EventStore.MESSAGE_STATUS, to, statusPayload(id, whatsappId, to,
                "queued", null, null, now));
        List<Object> parameters = new ArrayList<>(Arrays.asList(id, organizationId, idempotencyKey, requestHash, to, whatsappId,
                Buffer.buffer(sealed.nonce()), Buffer.buffer(sealed.ciphertext()), sealed.keyId(), now, kind,
                media == null ? null : media.facts(), media == null ? null : media.blobId(), context == null ? null : context.json(),
                (long) queueLimit));
        parameters.addAll(queued.parameters());
        Outbound created = new Outbound(id, organizationId, to, whatsappId, text, "queued", null, null, 0, now.toInstant(),
                now.toInstant(), null, requestHash, List.of(), media, context);
        // The organization's enqueues take turns (a transaction-scoped advisory lock): the count below then sees every
        // text committed before, so the queue limit holds exactly, and one Idempotency-Key cannot be raced past its hash check.
        // Without a key, the lock and the write go together (pipelined): BEGIN, lock, one statement, COMMIT.
        return database.bounded(pool.withTransaction(connection -> {
            Uni<?> locked = connection.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended('outbox:' || $1, 0))")
                    .execute(Tuple.of(organizationId.toString()));
            if (idempotencyKey == null) {
                return Uni.combine().all().unis(locked, write(connection, parameters)).asTuple()
                        .flatMap(both -> created(connection, both.getItem2(), created, organizationId, null, requestHash, queueLimit));
            }
            return locked.flatMap(ignored -> forgetOldKey(connection, organizationId, idempotencyKey))
                    .flatMap(ignored -> byKey(connection, organizationId, idempotencyKey))
                    .flatMap(existing -> {
                        if (existing != null) {
                            if (!existing.requestHash().equals(requestHash)) {
                                return Uni.createFrom().failure(new KeyReused());
                            }
                            return Uni.createFrom().item(new Enqueued(existing, false));
                        }
                        return write(connection, parameters).flatMap(written -> created(connection, written, created, organizationId,
                                idempotencyKey, requestHash, queueLimit));
                    });
        }));
    }

    /**
     * One statement: counts what waits, and unless that reached the limit stores the message, its "queued" history and
     * {@code message.status} event (with its deliveries and notification) and notifies {@value #CHANNEL}. Answers the
     * count waiting before and whether the message was stored (not when its idempotency key is already taken).
     */
    private Uni<Row> write(SqlConnection connection, List<Object> parameters) {
        return connection.preparedQuery("WITH waiting AS (SELECT count(*) AS n FROM whatsapp_outbound_message WHERE organization_id = $2"
                + " AND status IN ('queued', 'sending')),"
                + " msg AS (INSERT INTO whatsapp_outbound_message (id, organization_id, idempotency_key, request_hash, to_phone, whatsapp_id,"
                + " nonce, ciphertext, key_id, status, created_at, updated_at, kind, media, media_blob_id, context)"
                + " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $10, $11, $12, $13, $14 FROM waiting WHERE waiting.n < $15"
                + " ON CONFLICT DO NOTHING RETURNING id),"
                + " history AS (INSERT INTO whatsapp_outbound_status (message_id, status, at) SELECT id, 'queued', $10 FROM msg), "
                + EventStore.writeEvent("msg", 16)
                + " SELECT (SELECT n FROM waiting) AS waiting, (SELECT count(*) FROM msg) AS stored, " + EventStore.NOTIFIED + ","
                + " (SELECT count(*) FROM msg, LATERAL pg_notify('" + CHANNEL + "', $2::text)) AS outbox_notified")
                .execute(Tuple.from(parameters)).map(rows -> rows.iterator().next());
    }

    /** What {@link #write} came to: the message stored, the queue full, or (a key taken meanwhile) the first message under the key. */
    private Uni<Enqueued> created(SqlConnection connection, Row written, Outbound created, UUID organizationId, String idempotencyKey,
            String requestHash, int queueLimit) {
        if (written.getLong("stored") > 0) {
            return Uni.createFrom().item(new Enqueued(created, true));
        }
        if (written.getLong("waiting") >= queueLimit) {
            return Uni.createFrom().failure(new QueueFull(queueLimit));
        }
        return byKey(connection, organizationId, idempotencyKey).map(raced -> {
            if (raced == null || !raced.requestHash().equals(requestHash)) {
                throw new KeyReused();
            }
            return new Enqueued(raced, false);
        });
    }

    private Uni<Void> forgetOldKey(SqlConnection connection, UUID organizationId, String key) {
        if (key == null) {
            return Uni.createFrom().voidItem();
        }
        return connection.preparedQuery("UPDATE whatsapp_outbound_message SET idempotency_key = NULL WHERE organization_id = $1"
                + " AND idempotency_key = $2 AND created_at < now() - interval '24 hours'")
                .execute(Tuple.of(organizationId, key)).replaceWithVoid();
    }

    private Uni<Outbound> byKey(SqlConnection connection, UUID organizationId, String key) {
        if (key == null) {
            return Uni.createFrom().nullItem();
        }
        return connection.preparedQuery("SELECT " + COLUMNS + " FROM whatsapp_outbound_message WHERE organization_id = $1"
                + " AND idempotency_key = $2").execute(Tuple.of(organizationId, key))
                .map(rows -> rows.size() == 0 ? null : outbound(rows.iterator().next(), List.of()));
    }

    /** The texts waiting for the connection (queued, or sending when a replica stopped mid-send), oldest first. */
    public Uni<List<Outbound>> pending(UUID organizationId, int limit) {
        return database.bounded(pool.preparedQuery("SELECT " + COLUMNS + " FROM whatsapp_outbound_message WHERE organization_id = $1"
                + " AND status IN ('queued', 'sending') ORDER BY created_at, id LIMIT $2").execute(Tuple.of(organizationId, limit))
                .map(rows -> {
                    List<Outbound> pending = new ArrayList<>();
                    rows.forEach(row -> pending.add(outbound(row, List.of())));
                    return pending;
                }));
    }

    /** Organizations with texts waiting, among {@code organizations}. */
    public Uni<List<UUID>> withPending(List<UUID> organizations) {
        if (organizations.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return database.bounded(pool.preparedQuery("SELECT DISTINCT organization_id FROM whatsapp_outbound_message"
                + " WHERE organization_id = ANY($1) AND status IN ('queued', 'sending')")
                .execute(Tuple.of(organizations.toArray(new UUID[0])))
                .map(rows -> {
                    List<UUID> found = new ArrayList<>();
                    rows.forEach(row -> found.add(row.getUUID(0)));
                    return found;
                }));
    }

    /** The connection's owner is about to send {@code id} (another attempt). */
    public Uni<Void> sending(Fence fence, UUID organizationId, UUID id) {
        return move(fence, organizationId, id, "sending", null, null, null, true);
    }

    /** The owner is about to send {@code ids} (another attempt each): one fenced statement for a batch. */
    public Uni<Void> sendingAll(Fence fence, UUID organizationId, List<UUID> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return database.bounded(pool.withTransaction(connection -> together(List.of(fence.check(connection, organizationId),
                connection.preparedQuery("UPDATE whatsapp_outbound_message SET status = 'sending',"
                        + " attempts = attempts + 1, updated_at = $3 WHERE organization_id = $1 AND id = ANY($2)"
                        + " AND status IN ('queued', 'sending')").execute(Tuple.of(organizationId, ids.toArray(new UUID[0]), now))
                        .replaceWithVoid()))));
    }

    /**
     * Takes back the attempt counted for {@code ids} that were marked "sending" in a batch but never
     * tried (a text before them in the same chat could not be sent): they wait, as they were.
     */
    public Uni<Void> untried(Fence fence, UUID organizationId, List<UUID> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return database.bounded(pool.withTransaction(connection -> fence.check(connection, organizationId)
                .flatMap(ignored -> connection.preparedQuery("UPDATE whatsapp_outbound_message SET attempts = GREATEST(0, attempts - 1)"
                        + " WHERE organization_id = $1 AND id = ANY($2) AND status = 'sending'")
                        .execute(Tuple.of(organizationId, ids.toArray(new UUID[0]))))))
                .replaceWithVoid();
    }

    /** WhatsApp acknowledged each of {@code acked} (id → when): one fenced transaction for a batch, history and events included. */
    public Uni<Void> sentAll(Fence fence, UUID organizationId, Map<UUID, Instant> acked) {
        if (acked.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        UUID[] ids = acked.keySet().toArray(new UUID[0]);
        OffsetDateTime[] times = acked.values().stream().map(SqlTime::of).toArray(OffsetDateTime[]::new);
        // The fence and the update go together (pipelined; a refused fence rolls the update back), then the history and
        // every event together: two round trips inside the transaction, whatever the batch.
        return database.bounded(pool.withTransaction(connection -> Uni.combine().all().unis(fence.check(connection, organizationId),
                connection.preparedQuery("UPDATE whatsapp_outbound_message m SET status = 'sent', reason = NULL,"
                        + " detail = NULL, sent_at = a.at, updated_at = $4 FROM unnest($2::uuid[], $3::timestamptz[]) AS a(id, at)"
                        + " WHERE m.organization_id = $1 AND m.id = a.id AND m.status IN ('queued', 'sending')"
                        + " RETURNING m.id, m.organization_id, m.to_phone, m.whatsapp_id, a.at")
                        .execute(Tuple.of(organizationId, ids, times, now))).asTuple()
                .flatMap(both -> {
                    List<UUID> moved = new ArrayList<>();
                    both.getItem2().forEach(row -> moved.add(row.getUUID("id")));
                    List<Uni<Void>> writes = new ArrayList<>();
                    if (!moved.isEmpty()) {
                        writes.add(history(connection, moved, "sent", now, null));
                    }
                    for (Row row : both.getItem2()) {
                        writes.add(statusEvent(connection, organizationId, row, "sent", null, null, row.getOffsetDateTime("at")));
                    }
                    return together(writes);
                })))
                .replaceWithVoid();
    }

    /** A media host keeps the file of {@code id}: a send retried later reuses this upload. */
    public Uni<Void> uploaded(Fence fence, UUID organizationId, UUID id, String url, String directPath) {
        return database.bounded(pool.withTransaction(connection -> fence.check(connection, organizationId)
                .flatMap(ignored -> connection.preparedQuery("UPDATE whatsapp_outbound_message SET media_url = $3,"
                        + " media_direct_path = $4, media_uploaded_at = now() WHERE organization_id = $1 AND id = $2")
                        .execute(Tuple.of(organizationId, id, url, directPath))))).replaceWithVoid();
    }

    /** WhatsApp acknowledged {@code id} at {@code at}. */
    public Uni<Void> sent(Fence fence, UUID organizationId, UUID id, Instant at) {
        return move(fence, organizationId, id, "sent", null, null, at, false);
    }

    /** {@code id} will not be sent: {@code reason} (stable) and {@code detail}. */
    public Uni<Void> failed(Fence fence, UUID organizationId, UUID id, String reason, String detail) {
        return move(fence, organizationId, id, "failed", reason, detail, null, false);
    }

    private Uni<Void> move(Fence fence, UUID organizationId, UUID id, String status, String reason, String detail, Instant sentAt,
            boolean attempt) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String limited = detail == null ? null : detail.length() > 500 ? detail.substring(0, 500) : detail;
        return database.bounded(pool.withTransaction(connection -> fence.check(connection, organizationId)
                .flatMap(ignored -> connection.preparedQuery("UPDATE whatsapp_outbound_message SET status = $3, reason = $4,"
                        + " detail = $5, sent_at = COALESCE($6, sent_at), attempts = attempts + $7, updated_at = $8"
                        + " WHERE organization_id = $1 AND id = $2 AND status IN ('queued', 'sending')"
                        + " RETURNING id, organization_id, to_phone, whatsapp_id")
                        .execute(Tuple.from(Arrays.asList(organizationId, id, status, reason, limited, SqlTime.of(sentAt),
                                attempt ? 1 : 0, now))))
                .flatMap(updated -> updated.rowCount() == 0 || "sending".equals(status) ? Uni.createFrom().voidItem()
                        : history(connection, List.of(id), status, now, limited)
                                .flatMap(ignored -> statusEvents(connection, updated, status, reason, limited,
                                        sentAt == null ? now : SqlTime.of(sentAt))))))
                .replaceWithVoid();
    }

    /**
     * A receipt: the messages with these WhatsApp ids move forward to {@code status} (delivered or
     * read), never back. Answers the ids of the messages that moved.
     */
    public Uni<List<UUID>> receipt(UUID organizationId, List<String> whatsappIds, String status, Instant at) {
        OffsetDateTime time = SqlTime.of(at == null ? Instant.now() : at);
        return database.bounded(pool.withTransaction(connection -> connection.preparedQuery("WITH old AS (SELECT id, status"
                + " FROM whatsapp_outbound_message WHERE organization_id = $1 AND whatsapp_id = ANY($2) AND "
                + String.format(RANK, "status") + " BETWEEN 1 AND " + String.format(RANK, "$3") + " - 1 FOR UPDATE)"
                + " UPDATE whatsapp_outbound_message m SET status = $3, updated_at = $4, sent_at = COALESCE(m.sent_at, $4)"
                + " FROM old WHERE m.id = old.id RETURNING m.id, m.organization_id, m.to_phone, m.whatsapp_id, old.status AS previous")
                .execute(Tuple.of(organizationId, whatsappIds.toArray(new String[0]), status, time))
                .flatMap(rows -> {
                    List<UUID> moved = new ArrayList<>();
                    List<Uni<Void>> writes = new ArrayList<>();
                    for (Row row : rows) {
                        moved.add(row.getUUID("id"));
                        // A receipt can overtake the server's ack: the steps it implies are recorded first, in order
                        // (the statements go out together and run in this order).
                        for (String step : steps(row.getString("previous"), status)) {
                            writes.add(history(connection, List.of(row.getUUID("id")), step, time, null));
                            writes.add(statusEvent(connection, organizationId, row, step, null, null, time));
                        }
                    }
                    return together(writes).map(ignored -> moved);
                })));
    }

    /**
     * A group participant's receipt ({@code phone}: digits) for the group messages with these
     * WhatsApp ids: kept once per participant and status.
     */
    public Uni<Void> participantReceipt(UUID organizationId, List<String> whatsappIds, String phone, String status, Instant at) {
        return database.bounded(pool.preparedQuery("INSERT INTO whatsapp_outbound_receipt (message_id, participant, status, at)"
                + " SELECT id, $3, $4, $5 FROM whatsapp_outbound_message WHERE organization_id = $1 AND whatsapp_id = ANY($2)"
                + " AND to_phone LIKE '%@g.us' ON CONFLICT DO NOTHING").execute(Tuple.of(organizationId,
                        whatsappIds.toArray(new String[0]), phone, status, SqlTime.of(at == null ? Instant.now() : at)))).replaceWithVoid();
    }

    /** The participants' receipts of group message {@code id}, by participant, delivered before read. */
    public Uni<List<MessageViews.ParticipantReceipt>> participantReceipts(UUID id) {
        return database.bounded(pool.preparedQuery("SELECT participant, status, at FROM whatsapp_outbound_receipt WHERE message_id = $1"
                + " ORDER BY participant, " + String.format(RANK, "status")).execute(Tuple.of(id)).map(rows -> {
                    List<MessageViews.ParticipantReceipt> receipts = new ArrayList<>();
                    rows.forEach(row -> receipts.add(new MessageViews.ParticipantReceipt(row.getString("participant"),
                            row.getString("status"), SqlTime.instant(row.getOffsetDateTime("at")))));
                    return receipts;
                }));
    }

    /** The statuses after {@code from} up to and including {@code to}, in order. */
    private static List<String> steps(String from, String to) {
        List<String> order = List.of("queued", "sending", "sent", "delivered", "read");
        List<String> steps = new ArrayList<>(order.subList(order.indexOf(from) + 1, order.indexOf(to) + 1));
        steps.remove("sending");
        return steps;
    }

    /**
     * Statements of one transaction sent together: subscribed in list order, so the connection sends them in that order
     * without waiting for each answer (pipelined), and the server runs them in that order. Fails if any fails.
     */
    private static Uni<Void> together(List<Uni<Void>> writes) {
        return writes.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(writes).andFailFast().replaceWithVoid();
    }

    private static Uni<Void> history(SqlConnection connection, List<UUID> ids, String status, OffsetDateTime at, String detail) {
        List<Tuple> rows = new ArrayList<>();
        ids.forEach(id -> rows.add(Tuple.from(Arrays.asList(id, status, at, detail))));
        return connection.preparedQuery("INSERT INTO whatsapp_outbound_status (message_id, status, at, detail) VALUES ($1, $2, $3, $4)"
                + " ON CONFLICT DO NOTHING").executeBatch(rows).replaceWithVoid();
    }

    /**
     * Texts queued before {@code cutoff} for organizations that have not been connected since
     * (not connected now, and no transition into CONNECTED after it) fail with {@code not-linked}.
     * Answers how many failed. Safe to run on every replica: each row moves once.
     */
    public Uni<Integer> failNotLinked(Instant cutoff) {
        OffsetDateTime before = SqlTime.of(cutoff);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String detail = "the organization was not connected to WhatsApp since before " + cutoff;
        return database.bounded(pool.withTransaction(connection -> connection.preparedQuery("UPDATE whatsapp_outbound_message m"
                + " SET status = 'failed', reason = 'not-linked', detail = $2, updated_at = $3 WHERE m.status = 'queued'"
                + " AND m.created_at < $1 AND NOT EXISTS (SELECT 1 FROM whatsapp_session s WHERE s.organization_id = m.organization_id"
                + " AND s.state = 'CONNECTED') AND NOT EXISTS (SELECT 1 FROM whatsapp_session_transition t"
                + " WHERE t.organization_id = m.organization_id AND t.to_state = 'CONNECTED' AND t.at >= $1)"
                + " RETURNING m.id, m.organization_id, m.to_phone, m.whatsapp_id")
                .execute(Tuple.of(before, detail, now))
                .flatMap(rows -> {
                    List<UUID> failed = new ArrayList<>();
                    rows.forEach(row -> failed.add(row.getUUID(0)));
                    return failed.isEmpty() ? Uni.createFrom().item(0)
                            : history(connection, failed, "failed", now, detail)
                                    .flatMap(ignored -> statusEvents(connection, rows, "failed", "not-linked", detail, now))
                                    .map(ignored -> failed.size());
                })));
    }

    /** One message with its status history; null when the organization has no such message. */
    /** The newest message we sent under WhatsApp id {@code whatsappId}, or null. */
    public Uni<Outbound> byWhatsappId(UUID organizationId, String whatsappId) {
        return database.bounded(pool.preparedQuery("SELECT " + COLUMNS + " FROM whatsapp_outbound_message WHERE organization_id = $1"
                + " AND whatsapp_id = $2 ORDER BY created_at DESC LIMIT 1").execute(Tuple.of(organizationId, whatsappId))
                .map(rows -> rows.size() == 0 ? null : outbound(rows.iterator().next(), List.of())));
    }

    public Uni<Outbound> find(UUID organizationId, UUID id) {
        return database.bounded(pool.preparedQuery("SELECT " + COLUMNS + " FROM whatsapp_outbound_message WHERE organization_id = $1"
                + " AND id = $2").execute(Tuple.of(organizationId, id))
                .flatMap(rows -> rows.size() == 0 ? Uni.createFrom().nullItem()
                        : pool.preparedQuery("SELECT status, at, detail FROM whatsapp_outbound_status WHERE message_id = $1"
                                + " ORDER BY " + String.format(RANK, "status") + ", at").execute(Tuple.of(id))
                                .map(changes -> {
                                    List<StatusChange> history = new ArrayList<>();
                                    changes.forEach(change -> history.add(new StatusChange(change.getString("status"),
                                            SqlTime.instant(change.getOffsetDateTime("at")), change.getString("detail"))));
                                    return outbound(rows.iterator().next(), history);
                                })));
    }

    /** A page of sent texts, newest first, strictly older than the cursor ({@code createdAt}, {@code id}) when given. */
    public Uni<List<Outbound>> page(UUID organizationId, Instant beforeTime, UUID beforeId, int limit) {
        String where = beforeTime == null ? "" : " AND (created_at, id) < ($3, $4)";
        Tuple parameters = beforeTime == null ? Tuple.of(organizationId, limit)
                : Tuple.of(organizationId, limit, SqlTime.of(beforeTime), beforeId);
        return database.bounded(pool.preparedQuery("SELECT " + COLUMNS + " FROM whatsapp_outbound_message WHERE organization_id = $1"
                + where + " ORDER BY created_at DESC, id DESC LIMIT $2").execute(parameters)
                .map(rows -> {
                    List<Outbound> page = new ArrayList<>();
                    rows.forEach(row -> page.add(outbound(row, List.of())));
                    return page;
                }));
    }

    /**
     * The text sent under WhatsApp id {@code whatsappId} (any status from sending on: it may have
     * gone out), for a device that asks for it again; null when there is none.
     */
    public Uni<io.switchboard.protocol.client.SentText> sentText(UUID organizationId, String whatsappId) {
        return database.bounded(pool.preparedQuery("SELECT " + COLUMNS + " FROM whatsapp_outbound_message WHERE organization_id = $1"
                + " AND whatsapp_id = $2 AND status IN ('sending', 'sent', 'delivered', 'read') ORDER BY created_at DESC LIMIT 1")
                .execute(Tuple.of(organizationId, whatsappId)).map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Outbound found = outbound(rows.iterator().next(), List.of());
                    Instant at = found.sentAt() != null ? found.sentAt() : found.createdAt();
                    if (found.media() != null && found.media().directPath() == null) {
                        return null;
                    }
                    return new io.switchboard.protocol.client.SentText(found.to(), found.content(), at);
                }));
    }

    private Outbound outbound(Row row, List<StatusChange> history) {
        UUID organizationId = row.getUUID("organization_id");
        String text;
        try {
            text = cipher.openText(organizationId, TEXT_PURPOSE, new AtRestCipher.Sealed(row.getBuffer("nonce").getBytes(),
                    row.getBuffer("ciphertext").getBytes(), row.getString("key_id")));
        } catch (CryptoException e) {
            throw new CredentialsUnreadable(organizationId, "a text to send: " + e.getMessage());
        }
        OutboundMedia media = null;
        OutboundContext context = null;
        String kind = row.getString("kind");
        boolean file = kind != null && io.switchboard.protocol.media.MediaType.ofApiName(kind) != null;
        if (row.getValue("context") != null) {
            io.vertx.core.json.JsonObject secret = new io.vertx.core.json.JsonObject(text);
            context = OutboundContext.of(row.getValue("context"), secret.getString("quoted"));
            if (!file) {
                text = secret.getString("text");
            }
        }
        if (file) {
            io.vertx.core.json.JsonObject secret = new io.vertx.core.json.JsonObject(text);
            text = secret.getString("caption");
            Object facts = row.getValue("media");
            media = new OutboundMedia(io.switchboard.protocol.media.MediaType.ofApiName(kind),
                    facts instanceof io.vertx.core.json.JsonObject json ? json : new io.vertx.core.json.JsonObject(String.valueOf(facts)),
                    row.getUUID("media_blob_id"), row.getString("media_url"), row.getString("media_direct_path"),
                    secret.getString("fileName"), secret.getBinary("mediaKey"), secret.getBinary("thumbnail"));
        }
        return new Outbound(row.getUUID("id"), organizationId, row.getString("to_phone"), row.getString("whatsapp_id"), text,
                row.getString("status"), row.getString("reason"), row.getString("detail"), row.getInteger("attempts"),
                SqlTime.instant(row.getOffsetDateTime("created_at")), SqlTime.instant(row.getOffsetDateTime("updated_at")),
                SqlTime.instant(row.getOffsetDateTime("sent_at")), row.getString("request_hash"), history, media, context);
    }

    /** What a media message seals: its caption, file name, media key and thumbnail. */
    private static String sealedMedia(String caption, OutboundMedia media, String quoted) {
        io.vertx.core.json.JsonObject secret = new io.vertx.core.json.JsonObject().put("mediaKey", media.mediaKey());
        if (quoted != null) {
            secret.put("quoted", quoted);
        }
        if (caption != null) {
            secret.put("caption", caption);
        }
        if (media.fileName() != null) {
            secret.put("fileName", media.fileName());
        }
        if (media.thumbnail() != null) {
            secret.put("thumbnail", media.thumbnail());
        }
        return secret.encode();
    }

    /** Texts accepted for sending. */
    @Produces
    static SealedColumns sealedOutboundTexts() {
        return SealedColumns.of("whatsapp_outbound_message", List.of("id"), SealedColumns.literal(TEXT_PURPOSE));
    }
}
