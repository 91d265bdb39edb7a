package io.switchboard.session;

import java.time.Instant;

/** The QR code currently shown: its raw text, PNG data URI and expiry. */
public record QrView(String text, String dataUri, Instant expiresAt) {
}
