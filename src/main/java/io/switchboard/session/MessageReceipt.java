package io.switchboard.session;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A device's receipt for messages an organization sent: {@code type} is {@code delivery},
 * {@code read}, {@code played} or {@code sender} (one of the organization's own devices got its copy).
 */
public record MessageReceipt(UUID organizationId, List<String> messageIds, String from, String type, Instant at) {
}
