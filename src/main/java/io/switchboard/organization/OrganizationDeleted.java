package io.switchboard.organization;

import java.util.UUID;

/**
 * CDI event fired after an organization row is deleted, so that other features (WhatsApp
 * sessions) can release what they hold without this package depending on them.
 */
public record OrganizationDeleted(UUID organizationId) {
}
