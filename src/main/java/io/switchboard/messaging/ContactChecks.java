package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.UUID;

/**
 * The port through which the number check asks WhatsApp, carried out by the replica that runs the
 * organization's connection, which stores the answers (read back from {@code ContactStore}).
 */
public interface ContactChecks {

    /** Completes once WhatsApp's answers for {@code numbers} (digits, 1 to 50) are stored; fails with {@link PhoneReupload.Failed}. */
    Uni<Void> check(UUID organizationId, List<String> numbers);
}
