package io.switchboard.protocol.binary;

/** The bytes are not a valid node. Carries the offset at which decoding stopped. */
public class NodeDecodeException extends Exception {

    private final int offset;

    public NodeDecodeException(String message, int offset) {
        super(message + " (at byte " + offset + ")");
        this.offset = offset;
    }

    public NodeDecodeException(String message, int offset, Throwable cause) {
        super(message + " (at byte " + offset + ")", cause);
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
