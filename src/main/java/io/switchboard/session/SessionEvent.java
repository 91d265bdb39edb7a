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
    DISCONNECT_REQUESTED
}
