package io.switchboard.session;

import java.util.UUID;

/** This replica could not claim the connection: {@code owner} holds a live lease on it. */
final class OwnedElsewhere extends RuntimeException {

    final String owner;

    OwnedElsewhere(UUID organizationId, String owner) {
        super("the connection of " + organizationId + " is held by " + owner, null, false, false);
        this.owner = owner;
    }
}
