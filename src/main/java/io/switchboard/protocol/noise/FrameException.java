package io.switchboard.protocol.noise;

/** The byte stream violates the framing; the connection it came from must be closed. */
public class FrameException extends Exception {

    public FrameException(String message) {
        super(message);
    }
}
