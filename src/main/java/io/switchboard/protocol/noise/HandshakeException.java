package io.switchboard.protocol.noise;

/** The Noise handshake failed; {@link #failure()} says at which step and why. */
public class HandshakeException extends Exception {

    public enum Failure {
        /** The server's message is not a ServerHello with ephemeral, static and payload. */
        MALFORMED_SERVER_HELLO,
        /** A key agreement or decryption failed: not the server we are talking to, or corrupted. */
        DECRYPTION_FAILED,
        /** The certificate chain did not verify against the trust root. */
        CERTIFICATE_REJECTED
    }

    private final Failure failure;

    public HandshakeException(Failure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }
}
