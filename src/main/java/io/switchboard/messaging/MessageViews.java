package io.switchboard.messaging;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What the messages API answers. */
public final class MessageViews {

    private MessageViews() {
    }

    /** A WhatsApp user: the phone number (digits) and the JID. */
    public record Party(@Schema(nullable = true, description = "Digits; null for a group (see jid)") String phone,
            @Schema(description = "The person's JID, or the group's (…@g.us)") String jid) {
    }

    /** One step of a sent text's life. */
    public record StatusChange(@Schema(enumeration = {"queued", "sending", "sent", "delivered", "read", "failed"}) String status,
            Instant at, @Schema(nullable = true) String detail) {
    }

    /** A text sent (or to send); {@code history} only when one message is asked for. */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record OutboundMessage(boolean success, UUID id, @Schema(enumeration = "out") String direction,
            @Schema(enumeration = {"queued", "sending", "sent", "delivered", "read", "failed"}) String status, Party to,
            String text, @Schema(description = "The WhatsApp message id, chosen before sending") String whatsappId,
            Instant createdAt, Instant updatedAt,
            @Schema(nullable = true) @JsonInclude(JsonInclude.Include.ALWAYS) Instant sentAt,
            @Schema(nullable = true, description = "Why it failed (failed only): not-linked, not-on-whatsapp, …")
            @JsonInclude(JsonInclude.Include.ALWAYS) String reason,
            @Schema(nullable = true) @JsonInclude(JsonInclude.Include.ALWAYS) String detail,
            List<StatusChange> history, @Schema(description = "The file (media messages only; then text is absent)") Media media,
            @Schema(enumeration = {"text", "image", "video", "audio", "voice", "document", "sticker", "reaction", "edit", "revoke"},
                    description = "reaction (text: the emoji, empty: removed), edit (text: the new text) and revoke are about"
                            + " the message in target") String kind,
            @Schema(description = "For reaction, edit and revoke: the WhatsApp id of the message they are about") String target,
            @Schema(description = "For a reply: the quoted message and the numbers mentioned") io.switchboard.events.EventPayloads.Reply
                    reply,
            @Schema(description = "In lists: the reactions it has now, one per person") List<Reaction> reactions,
            @Schema(description = "For a group message asked for alone: who it was delivered to and who read it, per participant")
            List<ParticipantReceipt> receipts) {

        /** The same view with the group participants' receipts. */
        public OutboundMessage withReceipts(List<ParticipantReceipt> list) {
            return new OutboundMessage(success, id, direction, status, to, text, whatsappId, createdAt, updatedAt, sentAt, reason, detail,
                    history, media, kind, target, reply, reactions, list);
        }
    }

    /** A group participant's receipt for a message we sent to the group. */
    public record ParticipantReceipt(@Schema(description = "The participant's number (digits)") String phone,
            @Schema(enumeration = {"delivered", "read"}) String status, Instant at) {
    }

    /** A file a message carries: what it is, never its bytes. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Media(@Schema(enumeration = {"image", "video", "audio", "voice", "document", "sticker"}) String type,
            @Schema(example = "image/jpeg") String mimetype, @Schema(description = "Bytes") long size,
            @Schema(description = "SHA-256 of the file, base64") String sha256, String fileName, String caption, Integer width,
            Integer height, @Schema(description = "Length of a voice note, audio or video") Integer seconds) {
    }

    /**
     * A message received: a text, a file ({@code text} absent: see {@code media}), a location,
     * contact cards, a poll or a kind not read yet; possibly a reply; with the reactions it has now,
     * and when it was edited or deleted for everyone (then its content is gone).
     */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record InboundMessage(String id, @Schema(enumeration = "in") String direction, Party from, String chat, String text,
            @Schema(nullable = true) @JsonInclude(JsonInclude.Include.ALWAYS) Instant sentAt, Instant receivedAt,
            @Schema(description = "The file, for a media message") ReceivedMedia media,
            @Schema(enumeration = {"text", "image", "video", "audio", "voice", "document", "sticker", "location", "live-location",
                "contacts", "poll", "unsupported"}) String kind,
            @Schema(description = "The message this one replies to, and who it mentions") io.switchboard.events.EventPayloads.Reply reply,
            @Schema(description = "For location and live-location") io.switchboard.events.EventPayloads.Location location,
            @Schema(description = "For contacts: the cards") List<io.switchboard.events.EventPayloads.Contact> contacts,
            @Schema(description = "For poll") io.switchboard.events.EventPayloads.Poll poll,
            @Schema(description = "For unsupported: the protobuf field numbers of Message it carried") List<Integer> unsupportedFields,
            @Schema(description = "The reactions it has now, one per person") List<Reaction> reactions,
            @Schema(description = "When the sender last edited it") Instant editedAt,
            @Schema(description = "When the sender deleted it for everyone (its content is gone)") Instant deletedAt) {
    }

    /** A reaction: who (their number) and the emoji. */
    public record Reaction(String phone, String emoji) {
    }

    /** A file received: what it is, and where this API serves its bytes (verified, decrypted). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReceivedMedia(@Schema(enumeration = {"image", "video", "audio", "voice", "document", "sticker"}) String type,
            String mimetype, @Schema(description = "Bytes, as the sender declared") long size,
            @Schema(description = "SHA-256 of the file, base64") String sha256, String fileName, String caption, Integer width,
            Integer height, Integer seconds, @Schema(description = "A small JPEG preview, base64, when the sender gave one")
            String thumbnail, @Schema(example = "/api/v1/organizations/3f6c1d2e-8a4b-4c1e-9f5a-2b7d9e0c1a34/whatsapp/messages"
                    + "/3EB0F1E2D3C4B5A69788/media") String downloadUrl) {
    }

    /** A page of sent texts, newest first; {@code next} is the cursor of the following page (null: the last). */
    public record OutboundPage(boolean success, List<OutboundMessage> items, @Schema(nullable = true) String next) {
    }

    /** A page of received texts, newest first. */
    public record InboundPage(boolean success, List<InboundMessage> items, @Schema(nullable = true) String next) {
    }
}
