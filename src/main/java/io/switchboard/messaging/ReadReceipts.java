package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.UUID;

/** The port through which read receipts are sent, by the replica that runs the organization's connection. */
public interface ReadReceipts {

    /** Tells the sender in the chat with {@code phone} that we read {@code ids}; fails with {@link PhoneReupload.Failed}. */
    Uni<Void> markRead(UUID organizationId, String phone, List<String> ids);
}
