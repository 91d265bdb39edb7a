package io.switchboard.session;

/** The one state of an organization's WhatsApp session. */
public enum SessionState {
    /** No client; nothing stored or the user disconnected. */
    DISCONNECTED,
    /** A client is opening a connection (linking or logging in). */
    CONNECTING,
    /** A QR code is showing, waiting for the phone. */
    AWAITING_QR,
    /** The phone linked the device; the client restarts to log in (515). */
    PAIRED_RESTARTING,
    CONNECTED,
    /** The connection was lost; a retry is scheduled. */
    RECONNECTING,
    /** WhatsApp logged the device out (401 or unlinked); credentials are wiped. */
    LOGGED_OUT,
    /** Another connection of the same device took over (440); we stop, no loop. */
    REPLACED,
    /** WhatsApp refused our client version (405). */
    CLIENT_OUTDATED,
    /** Linking failed (QR codes expired, pairing or certificate rejected). */
    FAILED;

    /** A client is (or is about to be) running. */
    public boolean isActive() {
        return this == CONNECTING || this == AWAITING_QR || this == PAIRED_RESTARTING || this == CONNECTED
                || this == RECONNECTING;
    }

    /** The coarse status of the old API: connected, pending or disconnected. */
    public String connectionStatus() {
        if (this == CONNECTED) {
            return "connected";
        }
        return isActive() ? "pending" : "disconnected";
    }
}
