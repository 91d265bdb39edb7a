package io.switchboard.session.rest;

import io.switchboard.session.PairingCodeView;
import io.switchboard.session.SessionSnapshot;
import io.switchboard.session.SessionState;
import io.switchboard.session.store.SessionRecord;
import java.time.Instant;

/** GET …/whatsapp/status: the old service's fields plus the precise state. */
public record StatusView(boolean success, String authType, String connectionStatus, boolean isConnected,
        boolean isDisconnected, boolean canReconnect, String state, String jid, String phoneNumber,
        LastDisconnect lastDisconnect, int reconnectAttempts, Instant nextRetryAt, Instant updatedAt,
        PairingCodeView pairingCode) {

    public record LastDisconnect(Integer code, String reason, Instant at) {
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
