package io.switchboard.db;

import java.util.UUID;

/** A write refused because another replica claimed the connection since (its epoch moved on). */
public final class FencedException extends RuntimeException {

    public FencedException(UUID organizationId, Fence fence) {
        super("write for " + organizationId + " refused: " + fence.owner() + " no longer holds epoch " + fence.epoch());
    }
}
