package io.switchboard.session;

/**
 * A session command that cannot be carried out, with a stable reason for the client. Domain
 * type: the REST layer turns it into problem+json ({@code unavailable}: try again later, 503).
 */
public final class SessionRefused extends RuntimeException {

    private final String reason;
    private final boolean unavailable;

    public SessionRefused(String reason, String message, boolean unavailable) {
        super(message);
        this.reason = reason;
        this.unavailable = unavailable;
    }

    public static SessionRefused alreadyConnected() {
        return new SessionRefused("already-connected",
                "WhatsApp is already connected for this organization. Disconnect first to link another number.", false);
    }

    public String reason() {
        return reason;
    }

    public boolean unavailable() {
        return unavailable;
    }
}
