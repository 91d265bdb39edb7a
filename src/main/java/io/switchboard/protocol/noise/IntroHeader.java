package io.switchboard.protocol.noise;

/**
 * The 4 bytes a client sends before its first frame: "WA", protocol magic 6, token dictionary
 * version. They are also the Noise prologue.
 */
public record IntroHeader(int dictionaryVersion) {

    public static final int SIZE = 4;
    static final byte MAGIC = 6;

    public IntroHeader {
        if (dictionaryVersion < 0 || dictionaryVersion > 255) {
            throw new IllegalArgumentException("dictionary version must fit a byte");
        }
    }

    public byte[] bytes() {
        return new byte[] {'W', 'A', MAGIC, (byte) dictionaryVersion};
    }

    /** Parses the header; null when the bytes are not a WhatsApp intro. */
    public static IntroHeader parse(byte[] data, int offset) {
        if (data.length - offset < SIZE || data[offset] != 'W' || data[offset + 1] != 'A' || data[offset + 2] != MAGIC) {
            return null;
        }
        return new IntroHeader(data[offset + 3] & 0xff);
    }
}
