package io.switchboard.session.store;

import io.switchboard.session.SessionState;
import java.util.UUID;

/** A connection this replica just claimed because no live replica held it. */
public record Adopted(UUID organizationId, long epoch, SessionState state, boolean linked) {
}
