package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import java.util.UUID;

/** The port through which presences are sent and asked for, by the replica that runs the organization's connection. */
public interface Presences {

    /**
     * Sends {@code state} ({@code available}/{@code unavailable} with no phone; {@code composing},
     * {@code recording}, {@code paused} or {@code subscribe} with one); fails with {@link PhoneReupload.Failed}.
     */
    Uni<Void> presence(UUID organizationId, String state, String phone);
}
