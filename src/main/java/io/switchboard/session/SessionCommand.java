package io.switchboard.session;

/** What a dashboard asks of a connection; carried out by the replica that runs it. */
public enum SessionCommand {
    /** init-baileys: link a new device from scratch (refused while connected). */
    LINK,
    /** reconnect: connected stays; a linked device logs in again; otherwise link. */
    RECONNECT,
    /** disconnect: unlink the device, wipe the credentials. */
    DISCONNECT
}
