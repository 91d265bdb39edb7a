package io.switchboard.protocol.binary;

import static io.switchboard.protocol.binary.BinaryTags.NIBBLE_8;
import static io.switchboard.protocol.binary.BinaryTags.PACKED_MAX;

/**
 * Nibble- and hex-packed strings: two characters a byte, high nibble first; the length byte's
 * high bit marks an odd length (the last, padding nibble 15 is dropped on read).
 */
final class PackedString {

    private static final int ODD_FLAG = 0x80;
    private static final int PADDING = 15;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PackedString() {
    }

    static boolean isNibble(String value) {
        if (value.isEmpty() || value.length() > PACKED_MAX) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9') && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }

    static boolean isHex(String value) {
        if (value.isEmpty() || value.length() > PACKED_MAX) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        return true;
    }

    static void write(String value, int tag, NodeEncoder.Sink out) {
        out.put(tag);
        int length = value.length();
        int packedBytes = (length + 1) / 2;
        out.put(packedBytes | (length % 2 != 0 ? ODD_FLAG : 0));
        for (int i = 0; i < length; i += 2) {
            int high = nibbleOf(value.charAt(i), tag);
            int low = i + 1 < length ? nibbleOf(value.charAt(i + 1), tag) : PADDING;
            out.put(high << 4 | low);
        }
    }

    private static int nibbleOf(char c, int tag) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (tag == NIBBLE_8) {
            return c == '-' ? 10 : 11;
        }
        return 10 + (c - 'A');
    }

    /** Unpacks {@code count} bytes; returns null when a nibble has no character in this alphabet. */
    static String read(byte[] data, int offset, int count, boolean odd, int tag) {
        StringBuilder text = new StringBuilder(count * 2);
        for (int i = 0; i < count; i++) {
            int b = data[offset + i] & 0xff;
            char high = charOf(b >> 4, tag);
            char low = charOf(b & 0x0f, tag);
            if (high == 0xFFFF || low == 0xFFFF) {
                return null;
            }
            text.append(high).append(low);
        }
        if (odd && text.length() > 0) {
            text.setLength(text.length() - 1);
        }
        return text.toString();
    }

    private static char charOf(int nibble, int tag) {
        if (tag == NIBBLE_8) {
            if (nibble <= 9) {
                return (char) ('0' + nibble);
            }
            switch (nibble) {
                case 10: return '-';
                case 11: return '.';
                case PADDING: return '\0';
                default: return 0xFFFF;
            }
        }
        return HEX[nibble];
    }
}
