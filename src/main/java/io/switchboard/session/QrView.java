package io.switchboard.session;

import io.switchboard.session.store.SessionStore;
import java.time.Instant;

/** The QR code currently shown: its raw text and expiry; the PNG is rendered on demand, once per text. */
public record QrView(String text, Instant expiresAt, SessionStore.LinkCode linkCode) {

    public String dataUri() {
        return QrImage.dataUri(text);
    }
}
