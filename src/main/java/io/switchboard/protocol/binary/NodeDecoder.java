package io.switchboard.protocol.binary;

import static io.switchboard.protocol.binary.BinaryTags.AD_JID;
import static io.switchboard.protocol.binary.BinaryTags.BINARY_20;
import static io.switchboard.protocol.binary.BinaryTags.BINARY_32;
import static io.switchboard.protocol.binary.BinaryTags.BINARY_8;
import static io.switchboard.protocol.binary.BinaryTags.DICTIONARY_0;
import static io.switchboard.protocol.binary.BinaryTags.DICTIONARY_3;
import static io.switchboard.protocol.binary.BinaryTags.FB_JID;
import static io.switchboard.protocol.binary.BinaryTags.FLAG_COMPRESSED;
import static io.switchboard.protocol.binary.BinaryTags.HEX_8;
import static io.switchboard.protocol.binary.BinaryTags.INTEROP_JID;
import static io.switchboard.protocol.binary.BinaryTags.JID_PAIR;
import static io.switchboard.protocol.binary.BinaryTags.LIST_16;
import static io.switchboard.protocol.binary.BinaryTags.LIST_8;
import static io.switchboard.protocol.binary.BinaryTags.LIST_EMPTY;
import static io.switchboard.protocol.binary.BinaryTags.NIBBLE_8;
import static io.switchboard.protocol.binary.BinaryTags.SINGLE_BYTE_TOKEN_LIMIT;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes frame plaintexts into nodes for one dictionary version. A pure function of its input:
 * every length is checked against the bytes left, nesting, node count and inflated size are
 * bounded by {@link DecodeLimits}, and every violation is a {@link NodeDecodeException}.
 */
public final class NodeDecoder {

    /** A JID inside a JID part is already odd; deeper is an attack on the stack. */
    static final int MAX_JID_NESTING = 2;

    /** The smallest encoded node: a list header (2 bytes) and a one-byte tag. */
    private static final int MIN_NODE_BYTES = 3;
    /** The smallest encoded string: one token byte. */
    private static final int MIN_STRING_BYTES = 1;

    private final TokenDictionary dictionary;
    private final JidText jids;
    private final DecodeLimits limits;

    public NodeDecoder(TokenDictionary dictionary, DecodeLimits limits) {
        this.dictionary = dictionary;
        this.jids = JidText.forVersion(dictionary.version());
        this.limits = limits;
    }

    public NodeDecoder(TokenDictionary dictionary) {
        this(dictionary, DecodeLimits.DEFAULT);
    }

    /** Decodes a frame plaintext: the flags byte, then the node, zlib-compressed if flagged. */
    public Node decodeFrame(byte[] frame) throws NodeDecodeException {
        if (frame.length < 1) {
            throw new NodeDecodeException("empty frame", 0);
        }
        byte[] body;
        if ((frame[0] & FLAG_COMPRESSED) != 0) {
            body = Inflation.inflate(frame, 1, limits.maxInflatedBytes());
        } else {
            body = java.util.Arrays.copyOfRange(frame, 1, frame.length);
        }
        return decodeNode(body);
    }

    /** Decodes one node that must span {@code data} exactly. */
    public Node decodeNode(byte[] data) throws NodeDecodeException {
        Reader reader = new Reader(data);
        Node node = readNode(reader, 1);
        if (reader.position != data.length) {
            throw new NodeDecodeException((data.length - reader.position) + " trailing bytes after the node",
                    reader.position);
        }
        return node;
    }

    private Node readNode(Reader in, int depth) throws NodeDecodeException {
        if (depth > limits.maxDepth()) {
            throw new NodeDecodeException("nodes nested deeper than " + limits.maxDepth(), in.position);
        }
        if (++in.nodes > limits.maxNodes()) {
            throw new NodeDecodeException("more than " + limits.maxNodes() + " nodes", in.position);
        }
        int listStart = in.position;
        int size = readListSize(in, in.readByte());
        if (size == 0) {
            throw new NodeDecodeException("node with an empty list", listStart);
        }
        int tagStart = in.position;
        String tag = readString(in, in.readByte());
        if (tag.isEmpty()) {
            throw new NodeDecodeException("node with an empty tag", tagStart);
        }
        int attributeCount = (size - 1) >> 1;
        in.require(attributeCount * 2L * MIN_STRING_BYTES, "attributes");
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int i = 0; i < attributeCount; i++) {
            String key = readString(in, in.readByte());
            String value = readString(in, in.readByte());
            attributes.put(key, value);
        }
        NodeContent content = NodeContent.NONE;
        if (size % 2 == 0) {
            content = readContent(in, depth);
        }
        return new Node(tag, attributes, content);
    }

    private NodeContent readContent(Reader in, int depth) throws NodeDecodeException {
        int tag = in.readByte();
        switch (tag) {
            case LIST_EMPTY:
            case LIST_8:
            case LIST_16:
                int count = readListSize(in, tag);
                in.require((long) count * MIN_NODE_BYTES, "child list of " + count);
                List<Node> children = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    children.add(readNode(in, depth + 1));
                }
                return new NodeContent.Children(children);
            case BINARY_8:
                return new NodeContent.Bytes(in.readBytes(in.readByte()));
            case BINARY_20:
                return new NodeContent.Bytes(in.readBytes(in.readInt20()));
            case BINARY_32:
                return new NodeContent.Bytes(in.readBytes(in.readInt32()));
            default:
                return new NodeContent.Text(readString(in, tag));
        }
    }

    private static int readListSize(Reader in, int tag) throws NodeDecodeException {
        switch (tag) {
            case LIST_EMPTY:
                return 0;
            case LIST_8:
                return in.readByte();
            case LIST_16:
                return in.readByte() << 8 | in.readByte();
            default:
                throw new NodeDecodeException("expected a list, found tag " + tag, in.position - 1);
        }
    }

    private String readString(Reader in, int tag) throws NodeDecodeException {
        if (tag >= 1 && tag < SINGLE_BYTE_TOKEN_LIMIT) {
            return dictionary.single(tag);
        }
        if (tag >= DICTIONARY_0 && tag <= DICTIONARY_3) {
            return dictionary.doubleByte(tag - DICTIONARY_0, in.readByte());
        }
        switch (tag) {
            case LIST_EMPTY:
                return "";
            case BINARY_8:
                return utf8(in.readBytes(in.readByte()));
            case BINARY_20:
                return utf8(in.readBytes(in.readInt20()));
            case BINARY_32:
                return utf8(in.readBytes(in.readInt32()));
            case JID_PAIR:
            case AD_JID:
            case FB_JID:
            case INTEROP_JID:
                return readJid(in, tag);
            case NIBBLE_8:
            case HEX_8:
                return readPacked(in, tag);
            default:
                throw new NodeDecodeException("no string has tag " + tag, in.position - 1);
        }
    }

    /**
     * A JID's parts are strings, and a string may again be a JID: bounded, or about 10 KB of
     * nested JID tags would exhaust the stack.
     */
    private String readJid(Reader in, int tag) throws NodeDecodeException {
        if (++in.jidNesting > MAX_JID_NESTING) {
            throw new NodeDecodeException("JIDs nested deeper than " + MAX_JID_NESTING, in.position - 1);
        }
        try {
            switch (tag) {
                case JID_PAIR:
                    return readJidPair(in);
                case AD_JID:
                    return readAdJid(in);
                case FB_JID:
                    return readFbJid(in);
                default:
                    return readInteropJid(in);
            }
        } finally {
            in.jidNesting--;
        }
    }

    private String readJidPair(Reader in) throws NodeDecodeException {
        String user = readString(in, in.readByte());
        int serverStart = in.position;
        String server = readString(in, in.readByte());
        if (server.isEmpty()) {
            throw new NodeDecodeException("JID pair without a server", serverStart);
        }
        return user + "@" + server;
    }

    private String readAdJid(Reader in) throws NodeDecodeException {
        int domainType = in.readByte();
        int device = in.readByte();
        String user = readString(in, in.readByte());
        return JidText.format(user, device, jids.serverOf(domainType));
    }

    private String readFbJid(Reader in) throws NodeDecodeException {
        String user = readString(in, in.readByte());
        int device = in.readByte() << 8 | in.readByte();
        String server = readString(in, in.readByte());
        return user + ":" + device + "@" + server;
    }

    private String readInteropJid(Reader in) throws NodeDecodeException {
        String user = readString(in, in.readByte());
        int device = in.readByte() << 8 | in.readByte();
        int integrator = in.readByte() << 8 | in.readByte();
        String server = readString(in, in.readByte());
        return integrator + "-" + user + ":" + device + "@" + server;
    }

    private static String readPacked(Reader in, int tag) throws NodeDecodeException {
        int start = in.position;
        int header = in.readByte();
        int count = header & 0x7f;
        in.require(count, "packed string");
        String text = PackedString.read(in.data, in.position, count, (header & 0x80) != 0, tag);
        if (text == null) {
            throw new NodeDecodeException("invalid nibble in packed string", start);
        }
        in.position += count;
        return text;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Cursor over the input; every read is bounds-checked. */
    private static final class Reader {
        final byte[] data;
        int position;
        int nodes;
        int jidNesting;

        Reader(byte[] data) {
            this.data = data;
        }

        void require(long count, String what) throws NodeDecodeException {
            if (count > data.length - position) {
                throw new NodeDecodeException(what + " needs " + count + " bytes, " + (data.length - position)
                        + " left", position);
            }
        }

        int readByte() throws NodeDecodeException {
            if (position >= data.length) {
                throw new NodeDecodeException("unexpected end of data", position);
            }
            return data[position++] & 0xff;
        }

        int readInt20() throws NodeDecodeException {
            require(3, "20-bit length");
            return (readByte() & 0x0f) << 16 | readByte() << 8 | readByte();
        }

        int readInt32() throws NodeDecodeException {
            require(4, "32-bit length");
            long value = (long) readByte() << 24 | readByte() << 16 | readByte() << 8 | readByte();
            if (value > Integer.MAX_VALUE) {
                throw new NodeDecodeException("length " + value + " is out of range", position - 4);
            }
            return (int) value;
        }

        byte[] readBytes(int count) throws NodeDecodeException {
            require(count, "binary of " + count);
            byte[] out = java.util.Arrays.copyOfRange(data, position, position + count);
            position += count;
            return out;
        }
    }
}
