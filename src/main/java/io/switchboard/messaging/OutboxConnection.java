package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import io.switchboard.db.Fence;
import io.switchboard.protocol.client.WhatsAppClient;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What the outbox sender needs of an organization's connection, and all it may touch: the client
 * running now under this replica's claim, and writes fenced by that claim.
 */
public interface OutboxConnection {

    UUID organizationId();

    /** The client running now, if any. */
    WhatsAppClient runningClient();

    /** The claim this replica holds, if any. */
    Fence currentFence();

    /** A write under {@code fence}, retried on database errors, that stops the client when fenced off. */
    Uni<Void> fencedWrite(Fence fence, Supplier<Uni<Void>> write);
}
