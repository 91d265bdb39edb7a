package io.switchboard.protocol.crypto;

/** Byte-array joining for signature inputs (prefix ‖ details ‖ keys). */
public final class Bytes {

    private Bytes() {
    }

    public static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int offset = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, offset, part.length);
            offset += part.length;
        }
        return out;
    }
}
