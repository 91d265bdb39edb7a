package io.switchboard.session.store;

import io.switchboard.db.CredentialsUnreadable;
import io.switchboard.events.EventStore;
import io.switchboard.db.SqlTime;
import io.switchboard.db.Fence;
import io.switchboard.db.AtRestCipher;
import com.google.protobuf.InvalidProtocolBufferException;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.InboundMessage;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.switchboard.db.SealedColumns;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Signal session records per remote device and the messages received, sealed like the
 * credentials. A received message and the session update that decrypted it are stored in one
 * fenced transaction, so WhatsApp is acknowledged only once both are durable and a replica that
 * lost the connection can store neither.
 */
@ApplicationScoped
public class MessageStore {

    static final String SESSION_PURPOSE = "signal-session";
    static final String TEXT_PURPOSE = "inbound-text";
    private static final String UPSERT_SESSION = "INSERT INTO whatsapp_signal_session (organization_id, address, nonce,"
            + " ciphertext, key_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (organization_id, address)"
            + " DO UPDATE SET nonce = $3, ciphertext = $4, key_id = $5, updated_at = $6";
    private static final String INSERT_MESSAGE = "INSERT INTO whatsapp_inbound_message (organization_id, sender, message_id,"
            + " chat, nonce, ciphertext, key_id, sent_at, received_at, kind, media, context) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
            + " $9, $10, $11, $12) ON CONFLICT DO NOTHING";
    static final String CHANGE_PURPOSE = "message-change";

    private final Pool pool;
    private final AtRestCipher cipher;
    private final SessionStore bounds;

    private final EventStore events;

    MessageStore(Pool pool, AtRestCipher cipher, SessionStore bounds, EventStore events) {
        this.pool = pool;
        this.cipher = cipher;
        this.bounds = bounds;
        this.events = events;
    }

    /** The session record with {@code address} (empty when none). */
    public Uni<SignalSessionRecord> signalSession(UUID organizationId, String address) {
        return bounds.bounded(pool.preparedQuery("SELECT nonce, ciphertext, key_id FROM whatsapp_signal_session"
                + " WHERE organization_id = $1 AND address = $2").execute(Tuple.of(organizationId, address))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return SignalSessionRecord.getDefaultInstance();
                    }
                    Row row = rows.iterator().next();
                    try {
                        return SignalSessionRecord.parseFrom(cipher.openData(organizationId, SESSION_PURPOSE + ":" + address,
                                sealed(row)));
                    } catch (CryptoException | InvalidProtocolBufferException e) {
                        throw new CredentialsUnreadable(organizationId, "Signal session " + address + ": " + e.getMessage());
                    }
                }));
    }

    /** Whether the message {@code messageId} from device {@code sender} is stored (WhatsApp delivered it again). */
    public Uni<Boolean> alreadyReceived(UUID organizationId, String sender, String messageId) {
        return bounds.bounded(pool.preparedQuery("SELECT 1 FROM whatsapp_inbound_message WHERE organization_id = $1"
                + " AND sender = $2 AND message_id = $3 UNION ALL SELECT 1 FROM whatsapp_message_change WHERE organization_id = $1"
                + " AND sender = $2 AND change_id = $3").execute(Tuple.of(organizationId, sender, messageId))
                .map(rows -> rows.size() > 0));
    }

    /**
     * Stores the advanced session and the message it carried, under {@code fence}; a redelivered
     * message is kept once. A change (reaction, edit, revoke) is kept as a change and applied to the
     * message it names in the same transaction; its event follows.
     */
    public Uni<Void> received(Fence fence, UUID organizationId, java.util.Map<String, SignalSessionRecord> records,
            InboundMessage message) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Tuple> sessions = new ArrayList<>();
        records.forEach((address, record) -> {
            AtRestCipher.Sealed session = cipher.sealData(organizationId, SESSION_PURPOSE + ":" + address, record.toByteArray());
            sessions.add(Tuple.from(Arrays.asList(organizationId, address, Buffer.buffer(session.nonce()),
                    Buffer.buffer(session.ciphertext()), session.keyId(), now)));
        });
        return bounds.bounded(pool.withTransaction(connection -> fence.check(connection, organizationId)
                .flatMap(ignored -> sessions.isEmpty() ? Uni.createFrom().voidItem()
                        : connection.preparedQuery(UPSERT_SESSION).executeBatch(sessions).replaceWithVoid())
                .flatMap(ignored -> message.change() != null ? MessageChanges.apply(connection, cipher, events, organizationId, message, now)
                        : insert(connection, organizationId, message, now))))
                .replaceWithVoid();
    }

    private Uni<Void> insert(io.vertx.mutiny.sqlclient.SqlConnection connection, UUID organizationId, InboundMessage message,
            OffsetDateTime now) {
        AtRestCipher.Sealed text = cipher.sealText(organizationId, TEXT_PURPOSE, content(message));
        return connection.preparedQuery(INSERT_MESSAGE).execute(Tuple.from(Arrays.asList(organizationId,
                        message.sender(), message.id(), message.chat(), Buffer.buffer(text.nonce()),
                        Buffer.buffer(text.ciphertext()), text.keyId(), SqlTime.of(message.sentAt()), now,
                        message.kind(), message.media() == null ? null : ReceivedMedia.facts(message.media()),
                        MessageChanges.context(message.reply()))))
                .flatMap(inserted -> inserted.rowCount() == 0 ? Uni.createFrom().voidItem()
                        : events.append(connection, organizationId, EventStore.MESSAGE_RECEIVED, phoneOf(message.chat()),
                                receivedEvent(message, now.toInstant())));
    }

    /** What is sealed of a received message: a text as is; a file's reference, or a location's, cards' or poll's payload, as JSON. */
    private static String content(InboundMessage message) {
        if (message.media() != null) {
            return ReceivedMedia.sealedPart(message).encode();
        }
        if ("text".equals(message.kind())) {
            return message.text();
        }
        io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject();
        if (message.text() != null) {
            json.put("text", message.text());
        }
        if (message.details() != null) {
            json.put("details", new io.vertx.core.json.JsonObject(message.details()));
        }
        return json.encode();
    }

    private static io.vertx.core.json.JsonObject receivedEvent(InboundMessage message, java.time.Instant receivedAt) {
        return io.switchboard.events.EventPayloads.json(io.switchboard.events.EventPayloads.MessageReceived.of(message,
                new io.switchboard.events.EventPayloads.Party(phoneOf(message.sender()), message.sender()), receivedAt.toString(),
                ReceivedMedia.eventView(message)));
    }

    /** The number of a {@code number[:device]@server} jid. */
    static String phoneOf(String jid) {
        int at = jid.indexOf('@');
        return (at < 0 ? jid : jid.substring(0, at)).split(":")[0];
    }

    /** Session records advanced by sending, stored before the message goes out, under {@code fence}. */
    public Uni<Void> sessionsSent(Fence fence, UUID organizationId, java.util.Map<String, SignalSessionRecord> records) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<String> addresses = new ArrayList<>();
        List<Buffer> nonces = new ArrayList<>();
        List<Buffer> ciphertexts = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        records.forEach((address, record) -> {
            AtRestCipher.Sealed sealed = cipher.sealData(organizationId, SESSION_PURPOSE + ":" + address, record.toByteArray());
            addresses.add(address);
            nonces.add(Buffer.buffer(sealed.nonce()));
            ciphertexts.add(Buffer.buffer(sealed.ciphertext()));
            keys.add(sealed.keyId());
        });
        // One statement (one round trip, the session row locked only while it runs): the fence, then every record.
        return bounds.bounded(pool.preparedQuery("WITH fence AS (" + Fence.HOLDS + "),"
                + " saved AS (INSERT INTO whatsapp_signal_session (organization_id, address, nonce, ciphertext, key_id, updated_at)"
                + " SELECT $1, a.address, a.nonce, a.ciphertext, a.key_id, $4 FROM unnest($5::varchar[], $6::bytea[], $7::bytea[],"
                + " $8::varchar[]) AS a(address, nonce, ciphertext, key_id) WHERE EXISTS (SELECT 1 FROM fence)"
                + " ON CONFLICT (organization_id, address) DO UPDATE SET nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext,"
                + " key_id = EXCLUDED.key_id, updated_at = EXCLUDED.updated_at)"
                + " SELECT (SELECT count(*) FROM fence) AS held")
                .execute(Tuple.from(Arrays.asList(organizationId, fence.owner(), fence.epoch(), now, addresses.toArray(new String[0]),
                        nonces.toArray(new Buffer[0]), ciphertexts.toArray(new Buffer[0]), keys.toArray(new String[0]))))
                .flatMap(rows -> rows.iterator().next().getLong("held") == 1 ? Uni.createFrom().voidItem()
                        : Uni.createFrom().failure(new io.switchboard.db.FencedException(organizationId, fence))));
    }

    /** Stores which phone number each LID user stands for (new pairs and changes), under {@code fence}. */
    public Uni<Void> lidMappings(Fence fence, UUID organizationId, java.util.Map<String, String> lidToPhone) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Tuple> rows = new ArrayList<>();
        lidToPhone.forEach((lid, phone) -> rows.add(Tuple.of(organizationId, lid, phone, now)));
        return bounds.bounded(pool.withTransaction(connection -> fence.check(connection, organizationId)
                .flatMap(ignored -> rows.isEmpty() ? Uni.createFrom().voidItem()
                        : connection.preparedQuery("INSERT INTO whatsapp_lid_mapping (organization_id, lid_user, phone, updated_at)"
                                + " VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id, lid_user) DO UPDATE SET phone = $3,"
                                + " updated_at = $4").executeBatch(rows).replaceWithVoid())))
                .replaceWithVoid();
    }

    /** The phone number a LID user stands for, as this organization learned it; null when unknown. */
    public Uni<String> phoneOfLid(UUID organizationId, String lidUser) {
        return bounds.bounded(pool.preparedQuery("SELECT phone FROM whatsapp_lid_mapping WHERE organization_id = $1 AND lid_user = $2")
                .execute(Tuple.of(organizationId, lidUser))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("phone")));
    }

    /** Deletes received texts stored before {@code cutoff} (the retention); answers how many. */
    public Uni<Integer> deleteReceivedBefore(java.time.Instant cutoff) {
        return bounds.bounded(pool.preparedQuery("DELETE FROM whatsapp_inbound_message WHERE received_at < $1")
                .execute(Tuple.of(SqlTime.of(cutoff))).map(rows -> rows.rowCount()))
                .call(ignored -> bounds.bounded(pool.preparedQuery("DELETE FROM whatsapp_message_change WHERE changed_at < $1")
                        .execute(Tuple.of(SqlTime.of(cutoff)))));
    }

    /** A received message with when it was stored, and what happened to it since (edits, deletion, reactions). */
    public record Received(InboundMessage message, java.time.Instant receivedAt, Later later) {
    }

    /** A page of received texts, newest first, strictly older than the cursor ({@code receivedAt}, message id) when given. */
    public Uni<List<Received>> page(UUID organizationId, java.time.Instant beforeTime, String beforeId, int limit) {
        String where = beforeTime == null ? "" : " AND (received_at, message_id) < ($3, $4)";
        Tuple parameters = beforeTime == null ? Tuple.of(organizationId, limit)
                : Tuple.of(organizationId, limit, SqlTime.of(beforeTime), beforeId);
        return bounds.bounded(pool.preparedQuery("SELECT * FROM whatsapp_inbound_message WHERE organization_id = $1" + where
                + " ORDER BY received_at DESC, message_id DESC LIMIT $2").execute(parameters).map(rows -> {
                    List<Received> page = new ArrayList<>();
                    for (Row row : rows) {
                        page.add(new Received(message(organizationId, row), SqlTime.instant(row.getOffsetDateTime("received_at")),
                                new Later(SqlTime.instant(row.getOffsetDateTime("edited_at")),
                                        SqlTime.instant(row.getOffsetDateTime("deleted_at")), java.util.Map.of())));
                    }
                    return page;
                })).flatMap(page -> reactions(organizationId, page.stream().map(r -> r.message().id()).toList()).map(found -> page
                        .stream().map(r -> found.containsKey(r.message().id()) ? new Received(r.message(), r.receivedAt(),
                                new Later(r.later().editedAt(), r.later().deletedAt(), found.get(r.message().id()))) : r).toList()));
    }

    /**
     * The reactions the messages {@code ids} (received or sent) have now: per message, each
     * reactor's latest emoji (a removed reaction is left out).
     */
    public Uni<java.util.Map<String, java.util.Map<String, String>>> reactions(UUID organizationId, List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(java.util.Map.of());
        }
        return bounds.bounded(pool.preparedQuery("SELECT DISTINCT ON (target_id, split_part(split_part(sender, '@', 1), ':', 1))"
                + " target_id, sender, nonce, ciphertext, key_id FROM whatsapp_message_change WHERE organization_id = $1"
                + " AND kind = 'reaction' AND target_id = ANY($2) ORDER BY target_id, split_part(split_part(sender, '@', 1), ':', 1),"
                + " changed_at DESC, change_id DESC").execute(Tuple.of(organizationId, ids.toArray(new String[0]))).map(rows -> {
                    java.util.Map<String, java.util.Map<String, String>> found = new java.util.HashMap<>();
                    for (Row row : rows) {
                        String emoji;
                        try {
                            emoji = new io.vertx.core.json.JsonObject(cipher.openText(organizationId, CHANGE_PURPOSE, sealed(row)))
                                    .getString("emoji", "");
                        } catch (CryptoException e) {
                            throw new CredentialsUnreadable(organizationId, "a reaction: " + e.getMessage());
                        }
                        if (!emoji.isEmpty()) {
                            found.computeIfAbsent(row.getString("target_id"), k -> new java.util.TreeMap<>())
                                    .put(phoneOf(row.getString("sender")), emoji);
                        }
                    }
                    return found;
                }));
    }

    private InboundMessage message(UUID organizationId, Row row) {
        String text;
        try {
            text = cipher.openText(organizationId, TEXT_PURPOSE, sealed(row));
        } catch (CryptoException e) {
            throw new CredentialsUnreadable(organizationId, "a received message: " + e.getMessage());
        }
        String kind = row.getString("kind");
        String id = row.getString("message_id");
        String sender = row.getString("sender");
        String chat = row.getString("chat");
        java.time.Instant sentAt = SqlTime.instant(row.getOffsetDateTime("sent_at"));
        io.switchboard.protocol.message.Received.Reply reply = MessageChanges.reply(row.getValue("context"));
        if (row.getValue("deleted_at") != null) {
            // Deleted for everyone: its content is gone.
            return new InboundMessage(id, sender, chat, null, sentAt, null, kind, null, null, null);
        }
        if ("text".equals(kind) || kind == null) {
            return new InboundMessage(id, sender, chat, text, sentAt, null, "text", reply, null, null);
        }
        io.vertx.core.json.JsonObject sealedJson = new io.vertx.core.json.JsonObject(text);
        if (io.switchboard.protocol.media.MediaType.ofApiName(kind) != null) {
            io.switchboard.protocol.media.MediaAttachment media = ReceivedMedia.open(kind, sealedJson, row.getValue("media"));
            return new InboundMessage(id, sender, chat, media.caption(), sentAt, media, kind, reply, null, null);
        }
        io.vertx.core.json.JsonObject details = sealedJson.getJsonObject("details");
        return new InboundMessage(id, sender, chat, sealedJson.getString("text"), sentAt, null, kind, reply, null,
                details == null ? null : details.getMap());
    }

    /** What happened to received messages since: edited, deleted, reactions (reactor phone → emoji), by message id. */
    public record Later(java.time.Instant editedAt, java.time.Instant deletedAt, java.util.Map<String, String> reactions) {
    }

    /**
     * The received message {@code messageId} (the newest, should two senders have used one id);
     * null when there is none.
     */
    public Uni<InboundMessage> receivedMessage(UUID organizationId, String messageId) {
        return bounds.bounded(pool.preparedQuery("SELECT * FROM whatsapp_inbound_message WHERE organization_id = $1"
                + " AND message_id = $2 ORDER BY received_at DESC LIMIT 1").execute(Tuple.of(organizationId, messageId))
                .map(rows -> rows.size() == 0 ? null : message(organizationId, rows.iterator().next())));
    }

    /**
     * A received file moved (the phone uploaded it again after a media retry): the message's sealed
     * reference now names {@code url} and {@code directPath}. Answers whether the message was there.
     */
    public Uni<Boolean> mediaMoved(UUID organizationId, InboundMessage message, String url, String directPath) {
        InboundMessage moved = message.withMedia(message.media().at(url, directPath));
        AtRestCipher.Sealed text = cipher.sealText(organizationId, TEXT_PURPOSE, ReceivedMedia.sealedPart(moved).encode());
        return bounds.bounded(pool.preparedQuery("UPDATE whatsapp_inbound_message SET nonce = $4, ciphertext = $5, key_id = $6"
                + " WHERE organization_id = $1 AND sender = $2 AND message_id = $3")
                .execute(Tuple.from(Arrays.asList(organizationId, message.sender(), message.id(), Buffer.buffer(text.nonce()),
                        Buffer.buffer(text.ciphertext()), text.keyId())))
                .map(rows -> rows.rowCount() > 0));
    }

    /** A contact's presence or chat state, as an event (presence.updated). */
    public Uni<Void> presence(UUID organizationId, String jid, String state, java.time.Instant lastSeen, java.time.Instant at) {
        String phone = phoneOf(jid);
        return bounds.bounded(pool.withTransaction(connection -> events.append(connection, organizationId, EventStore.PRESENCE_UPDATED,
                phone, io.switchboard.events.EventPayloads.json(new io.switchboard.events.EventPayloads.PresenceUpdated(phone, jid, state,
                        lastSeen == null ? null : lastSeen.toString(), at.toString())))));
    }

    /** We told the sender in the chat with {@code phone} that we read {@code ids}. */
    public Uni<Void> markedRead(UUID organizationId, String phone, List<String> ids) {
        return bounds.bounded(pool.preparedQuery("UPDATE whatsapp_inbound_message SET read_at = now() WHERE organization_id = $1"
                + " AND chat = $2 AND message_id = ANY($3) AND read_at IS NULL")
                .execute(Tuple.of(organizationId, phone + "@s.whatsapp.net", ids.toArray(new String[0])))).replaceWithVoid();
    }

    /**
     * Received messages to mark read: {@code ids} (all must exist) or, with {@code chatPhone}, the
     * chat's unread ones (newest 50); answers chat phone → ids. Null when an id is unknown.
     */
    public Uni<java.util.Map<String, List<String>>> toRead(UUID organizationId, List<String> ids, String chatPhone) {
        String query = chatPhone != null
                ? "SELECT message_id, chat FROM whatsapp_inbound_message WHERE organization_id = $1 AND chat = $2 AND read_at IS NULL"
                        + " AND deleted_at IS NULL ORDER BY received_at DESC LIMIT 50"
                : "SELECT DISTINCT ON (message_id) message_id, chat FROM whatsapp_inbound_message WHERE organization_id = $1"
                        + " AND message_id = ANY($2)";
        Tuple parameters = chatPhone != null ? Tuple.of(organizationId, chatPhone + "@s.whatsapp.net")
                : Tuple.of(organizationId, ids.toArray(new String[0]));
        return bounds.bounded(pool.preparedQuery(query).execute(parameters).map(rows -> {
            java.util.Map<String, List<String>> byChat = new java.util.LinkedHashMap<>();
            int found = 0;
            for (Row row : rows) {
                found++;
                byChat.computeIfAbsent(phoneOf(row.getString("chat")), k -> new ArrayList<>()).add(row.getString("message_id"));
            }
            return chatPhone == null && found < new java.util.HashSet<>(ids).size() ? null : byChat;
        }));
    }

    /** A copy of the received file of {@code message} is kept as blob {@code blobId} (switchboard.media.keep-received). */
    public Uni<Boolean> keptCopy(UUID organizationId, InboundMessage message, UUID blobId) {
        return bounds.bounded(pool.preparedQuery("UPDATE whatsapp_inbound_message SET media_blob_id = $4"
                + " WHERE organization_id = $1 AND sender = $2 AND message_id = $3")
                .execute(Tuple.of(organizationId, message.sender(), message.id(), blobId)).map(rows -> rows.rowCount() > 0));
    }

    /** The kept copy of the received file {@code messageId}, if one was kept; null otherwise. */
    public Uni<UUID> keptBlob(UUID organizationId, String messageId) {
        return bounds.bounded(pool.preparedQuery("SELECT media_blob_id FROM whatsapp_inbound_message WHERE organization_id = $1"
                + " AND message_id = $2 ORDER BY received_at DESC LIMIT 1").execute(Tuple.of(organizationId, messageId))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID(0)));
    }

    /** Messages received by the organization, oldest first (the messages API reads them; tests too). */
    public Uni<List<InboundMessage>> inbound(UUID organizationId) {
        return bounds.bounded(pool.preparedQuery("SELECT * FROM whatsapp_inbound_message WHERE organization_id = $1"
                + " ORDER BY received_at, message_id").execute(Tuple.of(organizationId)).map(rows -> {
                    List<InboundMessage> messages = new ArrayList<>();
                    for (Row row : rows) {
                        messages.add(message(organizationId, row));
                    }
                    return messages;
                }));
    }

    private static AtRestCipher.Sealed sealed(Row row) {
        return new AtRestCipher.Sealed(row.getBuffer("nonce").getBytes(), row.getBuffer("ciphertext").getBytes(),
                row.getString("key_id"));
    }

    /** Signal sessions (the remote address is part of the purpose) and received texts. */
    @Produces
    static SealedColumns sealedSignalSessions() {
        return SealedColumns.of("whatsapp_signal_session", List.of("organization_id", "address"),
                SealedColumns.literal(SESSION_PURPOSE + ":") + " || address");
    }

    @Produces
    static SealedColumns sealedMessageChanges() {
        return SealedColumns.of("whatsapp_message_change", List.of("organization_id", "sender", "change_id"),
                SealedColumns.literal(CHANGE_PURPOSE));
    }

    @Produces
    static SealedColumns sealedInboundTexts() {
        return SealedColumns.of("whatsapp_inbound_message", List.of("organization_id", "sender", "message_id"),
                SealedColumns.literal(TEXT_PURPOSE));
    }
}
