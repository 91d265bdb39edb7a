package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import java.util.UUID;

/**
 * The port through which a download asks the organization's phone to upload a received file again
 * (the media retry), carried out by the replica that runs the connection.
 */
public interface PhoneReupload {

    /** Why the phone could not be asked, or did not deliver: a stable reason and a sentence for people. */
    final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String reason;

        public Failed(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /**
     * Completes once the stored message {@code messageId} points at the file's new upload; fails
     * with {@link Failed} when the phone could not be asked or did not deliver in time.
     */
    Uni<Void> reupload(UUID organizationId, String messageId);
}
