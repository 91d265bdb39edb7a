package io.switchboard.db;

import java.util.UUID;

/**
 * Stored credentials that no configured key opens (a key was removed from
 * {@code switchboard.credentials.key} too early, or the row is damaged). The row is kept: adding
 * the old key back brings the organization back without a new QR.
 */
public final class CredentialsUnreadable extends RuntimeException {

    public CredentialsUnreadable(UUID organizationId, String problem) {
        super("stored credentials of " + organizationId + " cannot be opened: " + problem);
    }
}
