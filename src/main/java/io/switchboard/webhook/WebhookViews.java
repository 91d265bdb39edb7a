package io.switchboard.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What the webhooks API answers. */
final class WebhookViews {

    private WebhookViews() {
    }

    /** An endpoint; {@code secret} only in the answer that created it (shown once). */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record WebhookView(boolean success, UUID id, String url,
            @Schema(description = "Event types delivered: session.state_changed, session.qr, message.received, message.status,"
                    + " message.reaction, message.edited, message.deleted, presence.updated, group.created, group.joined,"
                    + " group.updated, group.participants, group.left")
            List<String> events, Instant createdAt,
            @Schema(nullable = true, description = "Until when deliveries are also signed with the rotated-out secret")
            Instant previousSecretValidUntil,
            @Schema(description = "whsec_… (Standard Webhooks); only in the creation answer") String secret) {

        static WebhookView of(WebhookStore.Endpoint endpoint, String secret) {
            return new WebhookView(true, endpoint.id(), endpoint.url(), endpoint.events(), endpoint.createdAt(),
                    endpoint.previousSecretValidUntil(), secret);
        }
    }

    public record WebhookList(boolean success, List<WebhookView> items) {
    }

    public record RotatedSecret(boolean success, UUID id, String secret, Instant previousSecretValidUntil) {
    }

    public record DeliveryList(boolean success, List<WebhookStore.Delivery> items) {
    }

    public record Redelivery(boolean success, UUID id, @Schema(enumeration = "pending") String status) {
    }
}
