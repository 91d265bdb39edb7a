package io.switchboard.session;

import static io.switchboard.session.SessionState.AWAITING_QR;
import static io.switchboard.session.SessionState.CLIENT_OUTDATED;
import static io.switchboard.session.SessionState.CONNECTED;
import static io.switchboard.session.SessionState.CONNECTING;
import static io.switchboard.session.SessionState.DISCONNECTED;
import static io.switchboard.session.SessionState.FAILED;
import static io.switchboard.session.SessionState.LOGGED_OUT;
import static io.switchboard.session.SessionState.PAIRED_RESTARTING;
import static io.switchboard.session.SessionState.RECONNECTING;
import static io.switchboard.session.SessionState.REPLACED;

import java.util.EnumSet;
import java.util.Set;

/**
 * The session state machine as a pure function. Every pair not listed is illegal and raises
 * {@link IllegalTransitionException}; there are no boolean flags beside the state.
 */
public final class SessionMachine {

    private static final Set<SessionState> LINKING = EnumSet.of(CONNECTING, AWAITING_QR);

    private SessionMachine() {
    }

    public static SessionState next(SessionState from, SessionEvent event) {
        switch (event) {
            case LINK_REQUESTED:
            case LOGIN_REQUESTED:
                // Always allowed: a disconnected organization must always be able to reconnect.
                return CONNECTING;
            case DISCONNECT_REQUESTED:
                return DISCONNECTED;
            case QR_SHOWN:
                return require(from, event, LINKING, AWAITING_QR);
            case PAIRED:
                return require(from, event, LINKING, PAIRED_RESTARTING);
            case LOGGED_IN:
                return require(from, event, EnumSet.of(CONNECTING, PAIRED_RESTARTING), CONNECTED);
            case RESTART_REQUIRED:
                // 515: the client reconnects by itself; after a pairing that is expected, when connected it is a new login.
                return require(from, event, EnumSet.of(CONNECTING, PAIRED_RESTARTING, CONNECTED),
                        from == PAIRED_RESTARTING ? PAIRED_RESTARTING : CONNECTING);
            case RETRY_DUE:
                return require(from, event, EnumSet.of(RECONNECTING), CONNECTING);
            case CONNECTION_LOST:
                return require(from, event, EnumSet.of(CONNECTING, PAIRED_RESTARTING, CONNECTED), RECONNECTING);
            case LOGGED_OUT:
                return require(from, event, active(), LOGGED_OUT);
            case REPLACED:
                return require(from, event, active(), REPLACED);
            case CLIENT_OUTDATED:
                return require(from, event, active(), CLIENT_OUTDATED);
            case QR_EXHAUSTED:
            case REJECTED:
            case INTERRUPTED:
                return require(from, event, active(), FAILED);
            default:
                throw new IllegalTransitionException(from, event);
        }
    }

    private static Set<SessionState> active() {
        return EnumSet.of(CONNECTING, AWAITING_QR, PAIRED_RESTARTING, CONNECTED, RECONNECTING);
    }

    private static SessionState require(SessionState from, SessionEvent event, Set<SessionState> allowed, SessionState to) {
        if (!allowed.contains(from)) {
            throw new IllegalTransitionException(from, event);
        }
        return to;
    }

    /** An event that makes no sense in the current state. */
    public static final class IllegalTransitionException extends RuntimeException {
        public IllegalTransitionException(SessionState from, SessionEvent event) {
            super("event " + event + " is illegal in state " + from);
        }
    }
}
