package io.switchboard.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.vertx.core.json.JsonObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What an event carries, as webhooks receive it and the events stream sends it: the envelope and
 * the {@code data} of each type. The events are built from these records, so the OpenAPI document
 * (which shows them as the event stream's payload) is what is sent.
 */
public final class EventPayloads {

    private EventPayloads() {
    }

    /** Every event: posted to webhooks as the body, sent on the events stream as the data. */
    @Schema(name = "WebhookEvent", requiredProperties = {"id", "type", "timestamp", "organizationId", "data"},
            description = "Signed like Standard Webhooks: headers webhook-id (the id), webhook-timestamp"
            + " (seconds), webhook-signature (v1,base64 HMAC-SHA256 of id.timestamp.body under each current secret, space separated)")
    public record Envelope(@Schema(example = "evt_5f1c…") String id,
            @Schema(enumeration = {"session.state_changed", "session.qr", "message.received", "message.status", "message.reaction",
                "message.edited", "message.deleted", "presence.updated", "group.created", "group.joined", "group.updated",
                "group.participants", "group.left"}) String type,
            String timestamp, String organizationId,
            @Schema(anyOf = {StateChanged.class, QrShown.class, MessageReceived.class, MessageStatus.class, MessageReaction.class,
                MessageEdited.class, MessageDeleted.class, PresenceUpdated.class, GroupChanged.class},
                    description = "By type: StateChanged, QrShown, MessageReceived, MessageStatus, MessageReaction, MessageEdited,"
                            + " MessageDeleted, PresenceUpdated, GroupChanged (every group.* type)") Object data) {
    }

    /** A group member as an event names it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GroupMember(@Schema(nullable = true, description = "Digits; absent when WhatsApp named only a LID we cannot map")
            String phone, @Schema(description = "The member's LID user") String lid,
            @Schema(enumeration = {"member", "admin", "superadmin"}, description = "For promote and in created/joined groups") String role) {
    }

    /**
     * group.created (we created it), group.joined (we were added or joined by invite), group.updated
     * (subject, description, settings), group.participants (others added, removed, promoted, demoted,
     * or left), group.left (we left or were removed). The group's current subject, settings and
     * addressing mode come with every one.
     */
    @Schema(requiredProperties = {"groupId", "action", "at"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GroupChanged(@Schema(example = "120363041234567890@g.us") String groupId,
            @Schema(enumeration = {"created", "add", "remove", "leave", "promote", "demote", "subject", "description", "announcement",
                "not_announcement", "locked", "unlocked"}) String action,
            @Schema(description = "Who made the change (digits)") String by,
            @Schema(description = "Whom it names (for participant changes)") java.util.List<GroupMember> participants,
            String subject, @Schema(description = "The new description (for a description change)") String description,
            Boolean announcementOnly, Boolean locked, @Schema(enumeration = {"pn", "lid"}) String addressingMode, String at) {
    }

    /** A WhatsApp user: the phone number (digits) and the JID. */
    @Schema(name = "EventParty")
    public record Party(String phone, String jid) {
    }

    /** session.state_changed: a step of the connection's life. */
    @Schema(requiredProperties = {"from", "to", "event"})
    public record StateChanged(String from, String to, String event, @Schema(nullable = true) String reason,
            @Schema(nullable = true) Integer code, @Schema(nullable = true) String at) {
    }

    /** session.qr: a QR to show (and a pairing code, when one was asked for). */
    @Schema(requiredProperties = {"qr", "expiresAt"})
    public record QrShown(String qr, String expiresAt, @JsonInclude(JsonInclude.Include.NON_NULL) PairingCode pairingCode) {
    }

    /** The pairing code shown with a QR. */
    public record PairingCode(String code, String phoneNumber) {
    }

    /** message.received: a message received, stored before it was acknowledged. */
    @Schema(requiredProperties = {"messageId", "from", "chat", "receivedAt", "kind"}, description = "message.received: a text"
            + " (text), a file (media), a location, contact cards, a poll, or a kind not read yet (unsupported); any of them"
            + " may be a reply (reply)")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MessageReceived(String messageId, Party from, String chat,
            @Schema(description = "The text (absent for a file: see media)") String text,
            @JsonInclude(JsonInclude.Include.ALWAYS) @Schema(nullable = true) String sentAt, String receivedAt,
            @Schema(description = "The file, for a media message") Media media,
            @Schema(enumeration = {"text", "image", "video", "audio", "voice", "document", "sticker", "location", "live-location",
                "contacts", "poll", "unsupported"}) String kind,
            @Schema(description = "The message this one replies to, and who it mentions") Reply reply,
            @Schema(description = "For location and live-location") Location location,
            @Schema(description = "For contacts: the cards") java.util.List<Contact> contacts,
            @Schema(description = "For poll") Poll poll,
            @Schema(description = "For unsupported: the protobuf field numbers of Message it carried") java.util.List<Integer>
                    unsupportedFields) {

        public MessageReceived(String messageId, Party from, String chat, String text, String sentAt, String receivedAt, Media media) {
            this(messageId, from, chat, text, sentAt, receivedAt, media, media == null ? "text" : media.type(), null, null, null,
                    null, null);
        }

        /** The event of a stored message ({@code media}: its file as events show it). */
        public static MessageReceived of(io.switchboard.protocol.client.InboundMessage message, Party from, String receivedAt,
                Media media) {
            return new MessageReceived(message.id(), from, message.chat(), media == null ? message.text() : null,
                    message.sentAt() == null ? null : message.sentAt().toString(), receivedAt, media, message.kind(),
                    EventPayloads.reply(message.reply()), EventPayloads.location(message), EventPayloads.contacts(message),
                    EventPayloads.poll(message), EventPayloads.unsupportedFields(message));
        }
    }

    /** The reply context of a received message, or null. */
    public static Reply reply(io.switchboard.protocol.message.Received.Reply reply) {
        return reply == null ? null : new Reply(reply.quotedId(), reply.quotedSender(), reply.mentions());
    }

    /** The location of a location or live-location message, or null. */
    public static Location location(io.switchboard.protocol.client.InboundMessage message) {
        java.util.Map<String, Object> d = message.details();
        if (d == null || !(d.get("latitude") instanceof Number lat) || !(d.get("longitude") instanceof Number lon)) {
            return null;
        }
        return new Location(lat.doubleValue(), lon.doubleValue(), (String) d.get("name"), (String) d.get("address"),
                (String) d.get("url"), (String) d.get("comment"),
                d.get("accuracyInMeters") instanceof Number n ? n.intValue() : null, (String) d.get("caption"));
    }

    /** The cards of a contacts message, or null. */
    public static java.util.List<Contact> contacts(io.switchboard.protocol.client.InboundMessage message) {
        if (message.details() == null || !(message.details().get("contacts") instanceof java.util.List<?> cards)) {
            return null;
        }
        return cards.stream().filter(card -> card instanceof java.util.Map<?, ?>).map(card -> (java.util.Map<?, ?>) card)
                .map(card -> new Contact(String.valueOf(card.get("displayName")), String.valueOf(card.get("vcard")))).toList();
    }

    /** The poll of a poll message, or null. */
    public static Poll poll(io.switchboard.protocol.client.InboundMessage message) {
        java.util.Map<String, Object> d = message.details();
        if (d == null || !"poll".equals(message.kind()) || !(d.get("options") instanceof java.util.List<?> options)) {
            return null;
        }
        return new Poll(String.valueOf(d.get("question")), options.stream().map(String::valueOf).toList(),
                d.get("selectableCount") instanceof Number n ? n.intValue() : 0);
    }

    /** The protobuf field numbers an unsupported message carried, or null. */
    public static java.util.List<Integer> unsupportedFields(io.switchboard.protocol.client.InboundMessage message) {
        if (!"unsupported".equals(message.kind()) || message.details() == null
                || !(message.details().get("fields") instanceof java.util.List<?> fields)) {
            return null;
        }
        return fields.stream().filter(f -> f instanceof Number).map(f -> ((Number) f).intValue()).toList();
    }

    /** A reply: the quoted message (its WhatsApp id and sender) and the JIDs mentioned. */
    @Schema(name = "ReplyContext")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Reply(@Schema(description = "WhatsApp id of the quoted message") String messageId,
            @Schema(description = "JID of the quoted message's sender") String participant,
            @JsonInclude(JsonInclude.Include.ALWAYS) java.util.List<String> mentions) {
    }

    /** A location (or a live location's latest point). */
    @Schema(name = "Location", requiredProperties = {"latitude", "longitude"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Location(double latitude, double longitude, String name, String address, String url, String comment,
            Integer accuracyInMeters, String caption) {
    }

    /** A contact card: the name shown and the vCard. */
    @Schema(name = "ContactCard", requiredProperties = {"displayName", "vcard"})
    public record Contact(String displayName, String vcard) {
    }

    /** A poll as it was created (the votes are encrypted per voter and not read yet). */
    @Schema(name = "Poll", requiredProperties = {"question", "options", "selectableCount"})
    public record Poll(String question, java.util.List<String> options, int selectableCount) {
    }

    /** message.reaction: someone reacted to a message (ours or theirs); an empty emoji removes the reaction. */
    @Schema(requiredProperties = {"messageId", "from", "chat", "emoji", "at"})
    public record MessageReaction(@Schema(description = "WhatsApp id of the message reacted to") String messageId, Party from,
            String chat, @Schema(description = "The emoji; empty: the reaction was removed") String emoji,
            @Schema(description = "Whether the message reacted to is one we sent") boolean fromMe, String at) {
    }

    /** message.edited: the sender edited a message; text is the new text. */
    @Schema(requiredProperties = {"messageId", "from", "chat", "text", "at"})
    public record MessageEdited(@Schema(description = "WhatsApp id of the edited message") String messageId, Party from, String chat,
            String text, String at) {
    }

    /**
     * presence.updated: a contact is online or offline (after POST …/presence/subscribe; lastSeen when
     * they share it), or is typing, recording a voice note, or stopped, in our chat.
     */
    @Schema(requiredProperties = {"phone", "jid", "state", "at"})
    public record PresenceUpdated(String phone, String jid,
            @Schema(enumeration = {"available", "unavailable", "composing", "recording", "paused"}) String state,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "When last online, if they share it") String lastSeen,
            String at) {
    }

    /** message.deleted: the sender deleted a message for everyone; its content is removed from storage. */
    @Schema(requiredProperties = {"messageId", "from", "chat", "at"})
    public record MessageDeleted(@Schema(description = "WhatsApp id of the deleted message") String messageId, Party from,
            String chat, String at) {
    }

    /**
     * A received file as events describe it: what it is, never its key or bytes; {@code download}
     * is the path of the messages API that serves it, relative to the organization's
     * {@code …/whatsapp/}.
     */
    @Schema(name = "EventMedia", requiredProperties = {"type", "mimetype", "size", "sha256", "download"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Media(@Schema(enumeration = {"image", "video", "audio", "voice", "document", "sticker"}) String type,
            String mimetype, long size, @Schema(description = "SHA-256 of the file, base64") String sha256, String fileName,
            String caption, Integer width, Integer height, Integer seconds,
            @Schema(example = "messages/3EB0F1E2D3C4B5A69788/media") String download) {
    }

    /** message.status: a sent text moved on (queued, sending, sent, delivered, read, failed). */
    @Schema(requiredProperties = {"id", "whatsappId", "to", "status", "at"})
    public record MessageStatus(String id, String whatsappId, Party to,
            @Schema(enumeration = {"queued", "sending", "sent", "delivered", "read", "failed"}) String status,
            @Schema(nullable = true) String reason, @Schema(nullable = true) String detail, String at) {
    }

    /** The JSON of a payload record. */
    public static JsonObject json(Record payload) {
        return JsonObject.mapFrom(payload);
    }
}
