package io.switchboard.db;

/**
 * The fencing token of a connection: the replica that claimed it and the epoch its claim got.
 * Every write about the connection names it; a write whose fence is stale changes nothing.
 */
public record Fence(String owner, long epoch) {

    public Fence {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("a fence needs an owner");
        }
    }
}
