package io.switchboard.session.rest;

import org.eclipse.microprofile.openapi.annotations.media.Schema;
import io.switchboard.session.PairingCodeView;
import io.switchboard.session.SessionSnapshot;
import io.switchboard.session.SessionState;
import io.switchboard.session.store.SessionRecord;
import java.time.Instant;

/** GET …/whatsapp/status: the old service's fields plus the precise state. */
public record StatusView(boolean success, @Schema(enumeration = "baileys") String authType,
        @Schema(enumeration = {"connected", "pending", "disconnected"}) String connectionStatus, boolean isConnected,
        boolean isDisconnected, boolean canReconnect,
        @Schema(description = "The precise state: DISCONNECTED, CONNECTING, AWAITING_QR, PAIRED_RESTARTING, CONNECTED,"
                + " CONNECTION_LOST, RECONNECTING, LOGGED_OUT, REPLACED, FAILED, CLIENT_OUTDATED, …") String state,
        @Schema(nullable = true) String jid, @Schema(nullable = true) String phoneNumber,
        @Schema(nullable = true) LastDisconnect lastDisconnect, int reconnectAttempts, @Schema(nullable = true) Instant nextRetryAt,
        Instant updatedAt, @Schema(nullable = true) PairingCodeView pairingCode) {

    public record LastDisconnect(@Schema(nullable = true) Integer code, @Schema(nullable = true) String reason, Instant at) {
    }

    static StatusView of(SessionSnapshot snapshot) {
        SessionRecord record = snapshot.record();
        SessionState state = record.state();
        LastDisconnect last = record.lastDisconnectAt() == null ? null
                : new LastDisconnect(record.lastDisconnectCode(), record.lastDisconnectReason(), record.lastDisconnectAt());
        String status = state.connectionStatus();
        return new StatusView(true, "baileys", status, "connected".equals(status), "disconnected".equals(status),
                state != SessionState.CONNECTED, state.name(), record.jid(), record.phoneNumber(), last,
                record.reconnectAttempts(), record.nextRetryAt(), record.updatedAt(),
                snapshot.qr() == null ? null : PairingCodeView.of(snapshot.qr().linkCode()));
    }
}
