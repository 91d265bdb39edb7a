package io.switchboard.sandbox.server;

/** An admin request the sandbox cannot honour, with the reason the admin API reports. */
public final class SandboxException extends Exception {

    public enum Kind { BAD_QR, UNKNOWN_REF, EXPIRED_REF, UNKNOWN_DEVICE, PAIRING_FAILED, BAD_REQUEST }

    private final Kind kind;

    SandboxException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    static SandboxException badQr(String message) {
        return new SandboxException(Kind.BAD_QR, "unreadable QR: " + message);
    }

    public Kind kind() {
        return kind;
    }
}
