package io.switchboard.session.store;

import java.time.Instant;

/**
 * A session row as every replica reads it: the record the status shows, who runs the connection
 * (owner, epoch, whether its lease is live), the QR being shown (opened) and whether a device is linked.
 */
public record StoredSession(SessionRecord record, String owner, long epoch, boolean leaseLive, String qrText,
        Instant qrExpiresAt, SessionStore.LinkCode linkCode, boolean linked) {

    /** Someone holds a live claim on the connection. */
    public boolean ownedByAnyone() {
        return owner != null && leaseLive;
    }
}
