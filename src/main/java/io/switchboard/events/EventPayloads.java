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
            @Schema(enumeration = {"session.state_changed", "session.qr", "message.received", "message.status"}) String type,
            String timestamp, String organizationId,
            @Schema(anyOf = {StateChanged.class, QrShown.class, MessageReceived.class, MessageStatus.class},
                    description = "By type: StateChanged, QrShown, MessageReceived, MessageStatus") Object data) {
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

    /** message.received: a text received, stored before it was acknowledged. */
    @Schema(requiredProperties = {"messageId", "from", "chat", "receivedAt"}, description = "message.received: a text (text) or a file (media)")
    public record MessageReceived(String messageId, Party from, String chat,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "The text (absent for a file: see media)") String text,
            @Schema(nullable = true) String sentAt, String receivedAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(description = "The file, for a media message") Media media) {
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
