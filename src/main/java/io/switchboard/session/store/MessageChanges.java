package io.switchboard.session.store;

import io.smallrye.mutiny.Uni;
import io.switchboard.db.AtRestCipher;
import io.switchboard.db.SqlTime;
import io.switchboard.events.EventPayloads;
import io.switchboard.events.EventStore;
import io.switchboard.protocol.client.InboundMessage;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.message.Received;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.UUID;

/**
 * Reactions, edits and revokes received: each kept once as a change (sealed), applied in the
 * transaction that stores it, and announced. An edit or revoke takes effect only on a message of
 * the same sender (WhatsApp allows no one else); an edit replaces the stored text (or a file's
 * caption) and keeps the previous one in the change; a revoke removes the message's content and
 * its edits' texts at rest and keeps the row, so a redelivery is still recognised.
 */
final class MessageChanges {

    private static final String INSERT_CHANGE = "INSERT INTO whatsapp_message_change (organization_id, sender, change_id, kind,"
            + " target_id, target_from_me, nonce, ciphertext, key_id, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            + " ON CONFLICT DO NOTHING";

    private MessageChanges() {
    }

    /** The reply context kept with a message (no content: the quoted id, its sender, the mentions), or null. */
    static JsonObject context(Received.Reply reply) {
        if (reply == null) {
            return null;
        }
        JsonObject context = new JsonObject().put("mentions", new JsonArray(reply.mentions()));
        if (reply.quotedId() != null) {
            context.put("messageId", reply.quotedId());
        }
        if (reply.quotedSender() != null) {
            context.put("participant", reply.quotedSender());
        }
        return context;
    }

    static Received.Reply reply(Object column) {
        if (column == null) {
            return null;
        }
        JsonObject context = column instanceof JsonObject json ? json : new JsonObject(String.valueOf(column));
        return new Received.Reply(context.getString("messageId"), context.getString("participant"),
                context.getJsonArray("mentions", new JsonArray()).stream().map(String::valueOf).toList());
    }

    static Uni<Void> apply(SqlConnection connection, AtRestCipher cipher, EventStore events, UUID organizationId,
            InboundMessage message, OffsetDateTime now) {
        Received.Change change = message.change();
        String senderPhone = MessageStore.phoneOf(message.sender());
        if (change.kind() == Received.Change.Kind.REACTION) {
            return record(connection, cipher, organizationId, message, new JsonObject().put("emoji", change.text()), now)
                    .flatMap(kept -> !kept ? Uni.createFrom().voidItem() : events.append(connection, organizationId,
                            EventStore.MESSAGE_REACTION, MessageStore.phoneOf(message.chat()), EventPayloads.json(
                                    new EventPayloads.MessageReaction(change.targetId(), party(message), message.chat(), change.text(),
                                            change.targetFromMe(), now.toInstant().toString()))));
        }
        return connection.preparedQuery("SELECT sender, kind, nonce, ciphertext, key_id, deleted_at FROM whatsapp_inbound_message"
                        + " WHERE organization_id = $1 AND message_id = $2 FOR UPDATE")
                .execute(Tuple.of(organizationId, change.targetId()))
                .flatMap(rows -> {
                    Row target = null;
                    for (Row row : rows) {
                        if (senderPhone.equals(MessageStore.phoneOf(row.getString("sender")))) {
                            target = row;
                        }
                    }
                    return change.kind() == Received.Change.Kind.EDIT
                            ? edit(connection, cipher, events, organizationId, message, target, now)
                            : revoke(connection, cipher, events, organizationId, message, target, now);
                });
    }

    private static Uni<Void> edit(SqlConnection connection, AtRestCipher cipher, EventStore events, UUID organizationId,
            InboundMessage message, Row target, OffsetDateTime now) {
        Received.Change change = message.change();
        String previous = null;
        String content = null;
        if (target != null && target.getValue("deleted_at") == null) {
            String stored = open(cipher, organizationId, target);
            if ("text".equals(target.getString("kind"))) {
                previous = stored;
                content = change.text();
            } else if (stored.startsWith("{")) {
                JsonObject sealed = new JsonObject(stored);
                previous = sealed.getString("caption", sealed.getString("text"));
                content = sealed.put(sealed.containsKey("mediaKey") ? "caption" : "text", change.text()).encode();
            }
        }
        String newContent = content;
        JsonObject payload = new JsonObject().put("text", change.text());
        if (previous != null) {
            payload.put("previous", previous);
        }
        return record(connection, cipher, organizationId, message, payload, now).flatMap(kept -> {
            if (!kept) {
                return Uni.createFrom().voidItem();
            }
            Uni<Void> update = newContent == null ? Uni.createFrom().voidItem() : reseal(connection, cipher, organizationId,
                    target.getString("sender"), change.targetId(), newContent, ", edited_at = $7", now);
            return update.flatMap(ignored -> newContent == null && !change.targetFromMe() ? Uni.createFrom().voidItem()
                    : events.append(connection, organizationId, EventStore.MESSAGE_EDITED, MessageStore.phoneOf(message.chat()),
                            EventPayloads.json(new EventPayloads.MessageEdited(change.targetId(), party(message), message.chat(),
                                    change.text(), now.toInstant().toString()))));
        });
    }

    private static Uni<Void> revoke(SqlConnection connection, AtRestCipher cipher, EventStore events, UUID organizationId,
            InboundMessage message, Row target, OffsetDateTime now) {
        Received.Change change = message.change();
        boolean applies = target != null && target.getValue("deleted_at") == null;
        return record(connection, cipher, organizationId, message, new JsonObject(), now).flatMap(kept -> {
            if (!kept || (!applies && !change.targetFromMe())) {
                return Uni.createFrom().voidItem();
            }
            Uni<Void> removal = !applies ? Uni.createFrom().voidItem()
                    : reseal(connection, cipher, organizationId, target.getString("sender"), change.targetId(), "",
                            ", deleted_at = $7, context = NULL, media_blob_id = NULL", now)
                            .flatMap(ignored -> {
                                // The edits' texts go too.
                                AtRestCipher.Sealed empty = cipher.sealText(organizationId, MessageStore.CHANGE_PURPOSE, "{}");
                                return connection.preparedQuery("UPDATE whatsapp_message_change SET nonce = $3, ciphertext = $4,"
                                        + " key_id = $5 WHERE organization_id = $1 AND target_id = $2 AND kind = 'edit'")
                                        .execute(Tuple.from(Arrays.asList(organizationId, change.targetId(),
                                                Buffer.buffer(empty.nonce()), Buffer.buffer(empty.ciphertext()), empty.keyId())))
                                        .replaceWithVoid();
                            });
            return removal.flatMap(ignored -> events.append(connection, organizationId, EventStore.MESSAGE_DELETED,
                    MessageStore.phoneOf(message.chat()), EventPayloads.json(new EventPayloads.MessageDeleted(change.targetId(),
                            party(message), message.chat(), now.toInstant().toString()))));
        });
    }

    /** Keeps the change once: false when it was kept before (a redelivery). */
    private static Uni<Boolean> record(SqlConnection connection, AtRestCipher cipher, UUID organizationId, InboundMessage message,
            JsonObject payload, OffsetDateTime now) {
        AtRestCipher.Sealed sealed = cipher.sealText(organizationId, MessageStore.CHANGE_PURPOSE, payload.encode());
        return connection.preparedQuery(INSERT_CHANGE).execute(Tuple.from(Arrays.asList(organizationId, message.sender(),
                        message.id(), message.kind(), message.change().targetId(), message.change().targetFromMe(),
                        Buffer.buffer(sealed.nonce()), Buffer.buffer(sealed.ciphertext()), sealed.keyId(), now)))
                .map(rows -> rows.rowCount() > 0);
    }

    private static Uni<Void> reseal(SqlConnection connection, AtRestCipher cipher, UUID organizationId, String sender, String messageId,
            String content, String alsoSet, OffsetDateTime now) {
        AtRestCipher.Sealed sealed = cipher.sealText(organizationId, MessageStore.TEXT_PURPOSE, content);
        return connection.preparedQuery("UPDATE whatsapp_inbound_message SET nonce = $4, ciphertext = $5, key_id = $6" + alsoSet
                        + " WHERE organization_id = $1 AND sender = $2 AND message_id = $3")
                .execute(Tuple.from(Arrays.asList(organizationId, sender, messageId, Buffer.buffer(sealed.nonce()),
                        Buffer.buffer(sealed.ciphertext()), sealed.keyId(), now)))
                .replaceWithVoid();
    }

    private static String open(AtRestCipher cipher, UUID organizationId, Row row) {
        try {
            return cipher.openText(organizationId, MessageStore.TEXT_PURPOSE, new AtRestCipher.Sealed(row.getBuffer("nonce").getBytes(),
                    row.getBuffer("ciphertext").getBytes(), row.getString("key_id")));
        } catch (CryptoException e) {
            throw new io.switchboard.db.CredentialsUnreadable(organizationId, "a received message: " + e.getMessage());
        }
    }

    private static EventPayloads.Party party(InboundMessage message) {
        return new EventPayloads.Party(MessageStore.phoneOf(message.sender()), message.sender());
    }

    static String time(OffsetDateTime at) {
        return at == null ? null : SqlTime.instant(at).toString();
    }
}
