package io.switchboard.protocol.binary;

import static io.switchboard.protocol.binary.BinaryTags.AD_JID;
import static io.switchboard.protocol.binary.BinaryTags.BINARY_20;
import static io.switchboard.protocol.binary.BinaryTags.BINARY_32;
import static io.switchboard.protocol.binary.BinaryTags.BINARY_8;
import static io.switchboard.protocol.binary.BinaryTags.DICTIONARY_0;
import static io.switchboard.protocol.binary.BinaryTags.HEX_8;
import static io.switchboard.protocol.binary.BinaryTags.JID_PAIR;
import static io.switchboard.protocol.binary.BinaryTags.LIST_16;
import static io.switchboard.protocol.binary.BinaryTags.LIST_8;
import static io.switchboard.protocol.binary.BinaryTags.LIST_EMPTY;
import static io.switchboard.protocol.binary.BinaryTags.NIBBLE_8;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Encodes nodes for one connection's dictionary version. Strings are written the way the
 * reference clients write them: token, double-byte token, nibble-packed, hex-packed, JID (any
 * string holding '@'), raw UTF-8. The output of {@link #encodeFrame} starts with the flags byte
 * (always 0: we never compress).
 */
public final class NodeEncoder {

    /** The 3-byte length prefix bounds a frame; a node may not be larger. */
    static final int MAX_LIST_16 = 0xFFFF;

    private final TokenDictionary dictionary;
    private final JidText jids;

    public NodeEncoder(TokenDictionary dictionary) {
        this.dictionary = dictionary;
        this.jids = JidText.forVersion(dictionary.version());
    }

    public TokenDictionary dictionary() {
        return dictionary;
    }

    /** Flags byte (0) followed by the encoded node: the plaintext of one frame. */
    public byte[] encodeFrame(Node node) {
        Sink sink = new Sink(64);
        sink.put(0);
        writeNode(node, sink);
        return sink.toArray();
    }

    private void writeNode(Node node, Sink out) {
        Map<String, String> attributes = node.attributes();
        NodeContent content = node.content();
        boolean hasContent = !(content instanceof NodeContent.None);
        writeListStart(1 + 2 * attributes.size() + (hasContent ? 1 : 0), out);
        writeString(node.tag(), out);
        for (Map.Entry<String, String> attribute : attributes.entrySet()) {
            writeString(attribute.getKey(), out);
            writeString(attribute.getValue(), out);
        }
        if (content instanceof NodeContent.Children) {
            List<Node> children = ((NodeContent.Children) content).nodes();
            writeListStart(children.size(), out);
            for (Node child : children) {
                writeNode(child, out);
            }
        } else if (content instanceof NodeContent.Bytes) {
            byte[] data = ((NodeContent.Bytes) content).data();
            writeByteLength(data.length, out);
            out.put(data);
        } else if (content instanceof NodeContent.Text) {
            writeString(((NodeContent.Text) content).value(), out);
        }
    }

    private static void writeListStart(int size, Sink out) {
        if (size == 0) {
            out.put(LIST_EMPTY);
        } else if (size < 256) {
            out.put(LIST_8);
            out.put(size);
        } else if (size <= MAX_LIST_16) {
            out.put(LIST_16);
            out.put(size >> 8);
            out.put(size);
        } else {
            throw new IllegalArgumentException("list of " + size + " items is too long to encode");
        }
    }

    private static void writeByteLength(int length, Sink out) {
        if (length >= 1 << 20) {
            out.put(BINARY_32);
            out.put(length >>> 24);
            out.put(length >> 16);
            out.put(length >> 8);
            out.put(length);
        } else if (length >= 256) {
            out.put(BINARY_20);
            out.put((length >> 16) & 0x0f);
            out.put(length >> 8);
            out.put(length);
        } else {
            out.put(BINARY_8);
            out.put(length);
        }
    }

    void writeString(String value, Sink out) {
        if (value.isEmpty() && !jids.emptyStringIsToken()) {
            writeRaw(value, out);
            return;
        }
        TokenDictionary.Token token = dictionary.lookup(value).orElse(null);
        if (token != null) {
            if (token.isDoubleByte()) {
                out.put(DICTIONARY_0 + token.page());
            }
            out.put(token.index());
        } else if (PackedString.isNibble(value)) {
            PackedString.write(value, NIBBLE_8, out);
        } else if (PackedString.isHex(value)) {
            PackedString.write(value, HEX_8, out);
        } else if (value.indexOf('@') >= 0) {
            writeJid(jids.parse(value), out);
        } else {
            writeRaw(value, out);
        }
    }

    private void writeJid(JidText.Parts jid, Sink out) {
        if (jid.device() != null) {
            out.put(AD_JID);
            out.put(jid.domainType());
            out.put(jid.device());
            writeString(jid.user(), out);
        } else {
            out.put(JID_PAIR);
            if (jid.user().isEmpty()) {
                out.put(LIST_EMPTY);
            } else {
                writeString(jid.user(), out);
            }
            writeString(jid.server(), out);
        }
    }

    private static void writeRaw(String value, Sink out) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        writeByteLength(bytes.length, out);
        out.put(bytes);
    }

    /** A growable byte array; not thread-safe, one per encode call. */
    static final class Sink {
        private byte[] buffer;
        private int size;

        Sink(int capacity) {
            buffer = new byte[capacity];
        }

        void put(int value) {
            ensure(1);
            buffer[size++] = (byte) value;
        }

        void put(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buffer, size, bytes.length);
            size += bytes.length;
        }

        private void ensure(int extra) {
            if (size + extra > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + extra));
            }
        }

        byte[] toArray() {
            return Arrays.copyOf(buffer, size);
        }
    }
}
