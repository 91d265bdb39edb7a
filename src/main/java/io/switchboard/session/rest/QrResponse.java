package io.switchboard.session.rest;

import io.switchboard.session.QrView;
import java.time.Instant;

/** 200 answer carrying a QR code. */
public record QrResponse(boolean success, String message, String qrCode, String qr, Instant expiresAt) {

    static QrResponse of(QrView view) {
        return new QrResponse(true, "Scan this QR code with WhatsApp on the phone (Linked devices).",
                view.dataUri(), view.text(), view.expiresAt());
    }
}
