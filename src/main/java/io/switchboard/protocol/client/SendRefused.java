package io.switchboard.protocol.client;

/**
 * A text that will not be delivered however often it is sent again: {@code not-on-whatsapp} (the
 * number has no WhatsApp devices) or {@code rejected} (WhatsApp's ack carried an error code).
 */
public final class SendRefused extends RuntimeException {

    private final String reason;

    public SendRefused(String reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    /** Stable: {@code not-on-whatsapp} or {@code rejected}. */
    public String reason() {
        return reason;
    }
}
