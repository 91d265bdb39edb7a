package io.switchboard.protocol.signal;

import java.util.Arrays;

/**
 * Key forms: inside Signal structures a public key is 33 bytes, 0x05 (Curve25519) then the 32-byte
 * key; on WhatsApp's nodes it is the bare 32 bytes.
 */
public final class SignalKeys {

    public static final byte DJB_TYPE = 5;

    private SignalKeys() {
    }

    /** 0x05 ‖ key. */
    public static byte[] typed(byte[] key) {
        byte[] out = new byte[33];
        out[0] = DJB_TYPE;
        System.arraycopy(key, 0, out, 1, 32);
        return out;
    }

    /** The 32-byte key of a 33-byte typed key (or of a bare 32-byte one). */
    public static byte[] untyped(byte[] key) throws SignalException {
        if (key != null && key.length == 33 && key[0] == DJB_TYPE) {
            return Arrays.copyOfRange(key, 1, 33);
        }
        if (key != null && key.length == 32) {
            return key.clone();
        }
        throw new SignalException(SignalException.Kind.INVALID_KEY, "a public key must be 0x05 + 32 bytes");
    }
}
