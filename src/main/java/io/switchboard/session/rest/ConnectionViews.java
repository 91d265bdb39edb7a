package io.switchboard.session.rest;

import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What the WhatsApp connection API answers besides the QR ({@link QrResponse}) and the status ({@link StatusView}). */
public final class ConnectionViews {

    private ConnectionViews() {
    }

    /** 202: not ready yet; ask again after {@code retryIn} milliseconds (also as Retry-After, in seconds). */
    public record RetryLater(boolean success, String message, @Schema(description = "Milliseconds") long retryIn) {
    }

    /** 200 of pairing-code: the code to type on the phone. */
    public record PairingCodeAnswer(boolean success, @Schema(example = "ABCD-EFGH") String code, String phoneNumber,
            Instant expiresAt, String message) {
    }

    /** The session's transitions, newest first. */
    public record TransitionPage(List<WhatsAppResource.TransitionView> items) {
    }

    /** 200 of disconnect: the state after it. */
    public record Disconnected(boolean success, String message, StatusView status) {
    }
}
