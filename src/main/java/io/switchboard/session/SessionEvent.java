package io.switchboard.session;

/** What moves a session from one state to another. */
public enum SessionEvent {
    LINK_REQUESTED,
    LOGIN_REQUESTED,
    QR_SHOWN,
    PAIRED,
    LOGGED_IN,
    CONNECTION_LOST,
    RETRY_DUE,
    LOGGED_OUT,
    REPLACED,
    CLIENT_OUTDATED,
    QR_EXHAUSTED,
    REJECTED,
    /** 515 from WhatsApp: the client restarts its connection. */
    RESTART_REQUIRED,
    /** Linking was cut short because the replica running it stopped; a QR cannot be carried over. */
    INTERRUPTED,
    DISCONNECT_REQUESTED
}
