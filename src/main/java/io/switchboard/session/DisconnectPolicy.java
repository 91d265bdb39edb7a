package io.switchboard.session;

import io.switchboard.protocol.client.DisconnectReason;

/**
 * What a client's ending means for the session: retry with backoff, stop for good, or nothing
 * (we closed it). 515 never reaches here unless restarts kept failing: the client restarts by itself.
 */
final class DisconnectPolicy {

    private DisconnectPolicy() {
    }

    /** The session event for {@code reason}, or null when the session must not change. */
    static SessionEvent eventFor(DisconnectReason reason, SessionState state, boolean hasCredentials) {
        switch (reason) {
            case CLIENT_CLOSED:
                return null;
            case LOGGED_OUT:
                return SessionEvent.LOGGED_OUT;
            case REPLACED:
                return SessionEvent.REPLACED;
            case CLIENT_OUTDATED:
                return SessionEvent.CLIENT_OUTDATED;
            case QR_REFS_EXHAUSTED:
                return SessionEvent.QR_EXHAUSTED;
            case CERTIFICATE_REJECTED:
            case PAIRING_REJECTED:
            case FORBIDDEN:
                return SessionEvent.REJECTED;
            default:
                // Network loss, timeouts, 428/500/503, protocol errors: retry a linked device;
                // a device still linking has nothing to retry with.
                boolean retriable = hasCredentials && (state == SessionState.CONNECTING
                        || state == SessionState.PAIRED_RESTARTING || state == SessionState.CONNECTED);
                return retriable ? SessionEvent.CONNECTION_LOST : SessionEvent.REJECTED;
        }
    }
}
