package io.switchboard.session;

import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What a dashboard streaming QR codes hears: a new QR, then connected or failed. */
@Schema(description = "One event of the QR stream (the SSE data): a QR to show, then connected or failed.",
        requiredProperties = {"type", "state"})
public record SessionNotice(@Schema(enumeration = {"qr", "connected", "failed"}) String type,
        @Schema(nullable = true, description = "The QR text (qr only)") String qr,
        @Schema(nullable = true, description = "The QR as a PNG data URI (qr only)") String qrCode,
        @Schema(nullable = true) Instant expiresAt, @Schema(nullable = true) PairingCodeView pairingCode,
        @Schema(nullable = true, description = "The linked device (connected only)") String jid,
        @Schema(description = "The precise state, as GET …/status has it") String state,
        @Schema(nullable = true, description = "Why it failed (failed only)") String reason) {

    public static SessionNotice qr(QrView view) {
        return new SessionNotice("qr", view.text(), view.dataUri(), view.expiresAt(), PairingCodeView.of(view.linkCode()), null,
                SessionState.AWAITING_QR.name(), null);
    }

    public static SessionNotice connected(String jid) {
        return new SessionNotice("connected", null, null, null, null, jid, SessionState.CONNECTED.name(), null);
    }

    public static SessionNotice failed(SessionState state, String reason) {
        return new SessionNotice("failed", null, null, null, null, null, state.name(), reason);
    }

    public boolean isFinal() {
        return !"qr".equals(type);
    }
}
