package io.switchboard.protocol.noise;

/**
 * Writes frames: a 3-byte big-endian length, then the bytes. A client's encoder puts the intro
 * header in front of its first frame; a server's never does.
 */
public final class FrameEncoder {

    /** The 3-byte length prefix cannot express more. */
    public static final int MAX_FRAME_SIZE = (1 << 24) - 1;
    static final int LENGTH_SIZE = 3;

    private byte[] pendingHeader;

    private FrameEncoder(byte[] header) {
        this.pendingHeader = header;
    }

    public static FrameEncoder client(IntroHeader header) {
        return new FrameEncoder(header.bytes());
    }

    public static FrameEncoder server() {
        return new FrameEncoder(null);
    }

    public byte[] encode(byte[] payload) {
        if (payload.length > MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("frame of " + payload.length + " bytes exceeds " + MAX_FRAME_SIZE);
        }
        int headerSize = pendingHeader == null ? 0 : pendingHeader.length;
        byte[] out = new byte[headerSize + LENGTH_SIZE + payload.length];
        if (pendingHeader != null) {
            System.arraycopy(pendingHeader, 0, out, 0, headerSize);
            pendingHeader = null;
        }
        out[headerSize] = (byte) (payload.length >> 16);
        out[headerSize + 1] = (byte) (payload.length >> 8);
        out[headerSize + 2] = (byte) payload.length;
        System.arraycopy(payload, 0, out, headerSize + LENGTH_SIZE, payload.length);
        return out;
    }
}
