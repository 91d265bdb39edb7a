package io.switchboard.session;

import io.switchboard.session.store.SessionRecord;

/** A session as the REST layer reads it: the stored record, the live QR if any, the failure. */
public record SessionSnapshot(SessionRecord record, QrView qr, boolean hasCredentials) {
}
