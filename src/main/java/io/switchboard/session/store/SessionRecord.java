package io.switchboard.session.store;

import io.switchboard.session.SessionState;
import java.time.Instant;
import java.util.UUID;

/** The stored row of a session: what the status endpoint shows. */
public record SessionRecord(UUID organizationId, SessionState state, String jid, String phoneNumber,
        Integer lastDisconnectCode, String lastDisconnectReason, Instant lastDisconnectAt, int reconnectAttempts,
        Instant nextRetryAt, Instant updatedAt) {

    public static SessionRecord initial(UUID organizationId, Instant now) {
        return new SessionRecord(organizationId, SessionState.DISCONNECTED, null, null, null, null, null, 0, null, now);
    }

    public SessionRecord withState(SessionState next, Instant now) {
        return new SessionRecord(organizationId, next, jid, phoneNumber, lastDisconnectCode, lastDisconnectReason,
                lastDisconnectAt, reconnectAttempts, nextRetryAt, now);
    }

    public SessionRecord withDevice(String newJid, String newPhone) {
        return new SessionRecord(organizationId, state, newJid, newPhone, lastDisconnectCode, lastDisconnectReason,
                lastDisconnectAt, reconnectAttempts, nextRetryAt, updatedAt);
    }

    public SessionRecord withDisconnect(Integer code, String reason, Instant at) {
        return new SessionRecord(organizationId, state, jid, phoneNumber, code, reason, at, reconnectAttempts,
                nextRetryAt, updatedAt);
    }

    public SessionRecord withRetry(int attempts, Instant next) {
        return new SessionRecord(organizationId, state, jid, phoneNumber, lastDisconnectCode, lastDisconnectReason,
                lastDisconnectAt, attempts, next, updatedAt);
    }
}
