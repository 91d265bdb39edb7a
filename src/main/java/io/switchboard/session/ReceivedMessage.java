package io.switchboard.session;

import io.switchboard.protocol.client.InboundMessage;
import java.util.UUID;

/** A text an organization received, published once it is stored (sealed); WhatsApp's ack follows. */
public record ReceivedMessage(UUID organizationId, InboundMessage message) {
}
