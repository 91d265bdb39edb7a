package io.switchboard.session.store;

import io.switchboard.session.SessionEvent;
import io.switchboard.session.SessionState;
import java.time.Instant;

/** One stored step of a session's history. */
public record Transition(SessionState from, SessionState to, SessionEvent event, String reason, Integer code, Instant at) {
}
