package io.switchboard.session;

import java.time.Instant;

/** What a dashboard streaming QR codes hears: a new QR, then connected or failed. */
public record SessionNotice(String type, String qr, String qrCode, Instant expiresAt, PairingCodeView pairingCode,
        String jid, String state, String reason) {

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
