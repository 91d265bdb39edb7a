package io.switchboard.protocol.binary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/** Fixed byte vectors (from the reference encoders) and the decoder's typed errors. */
class NodeCodecVectorsTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final TokenDictionary V2 = TokenDictionary.forVersion(2);
    private static final TokenDictionary V3 = TokenDictionary.forVersion(3);

    private static Node ping() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("id", "1.2-3");
        attributes.put("to", "@s.whatsapp.net");
        attributes.put("type", "get");
        attributes.put("xmlns", "w:p");
        return Node.withChildren("iq", attributes, List.of(Node.of("ping")));
    }

    @Test
    void pingIqInBothDictionaries() throws Exception {
        byte[] v2 = HEX.parseHex("00f80a1e08ff831b2a3f0efa000304311" + "95ff801f80150");
        byte[] v3 = HEX.parseHex("00f80a1908ff831b2a3f11fa00030429" + "1657f801f80156");
        assertArrayEquals(v2, new NodeEncoder(V2).encodeFrame(ping()));
        assertArrayEquals(v3, new NodeEncoder(V3).encodeFrame(ping()));
        assertEquals(ping(), new NodeDecoder(V2).decodeFrame(v2));
        assertEquals(ping(), new NodeDecoder(V3).decodeFrame(v3));
    }

    @Test
    void deviceJidsAsAdJids() throws Exception {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("jid", "15551234567:5@s.whatsapp.net");
        attributes.put("lid", "99999999999999:5@lid");
        Node device = Node.of("device", attributes);
        byte[] expected = HEX.parseHex("00f805ec060ff7000" + "5ff86155512345" + "67ffc036c6964f70105ff0799999999999999");
        assertArrayEquals(expected, new NodeEncoder(V2).encodeFrame(device));
        assertEquals(device, new NodeDecoder(V2).decodeFrame(expected));
    }

    @Test
    void refWithBinaryContent() throws Exception {
        Node ref = new Node("ref", Map.of(), new NodeContent.Text("2@abc"));
        byte[] wire = HEX.parseHex("00f802fc03726566fc053240616263");
        // A string holding '@' is written as a JID; raw bytes are written as binary.
        Node asBytes = Node.withBytes("ref", Map.of(), "2@abc".getBytes());
        assertArrayEquals(wire, new NodeEncoder(V2).encodeFrame(asBytes));
        assertEquals(asBytes, new NodeDecoder(V2).decodeFrame(wire));
        assertEquals(new NodeContent.Text("2@abc"),
                new NodeDecoder(V2).decodeFrame(new NodeEncoder(V2).encodeFrame(ref)).content());
    }

    @Test
    void emptyStringDiffersBetweenVersions() {
        Node node = Node.of("iq", Map.of("id", ""));
        assertEquals("00f803" + "1e" + "08" + "00", HEX.formatHex(new NodeEncoder(V2).encodeFrame(node)));
        assertEquals("00f803" + "19" + "08" + "fc00", HEX.formatHex(new NodeEncoder(V3).encodeFrame(node)));
    }

    @Test
    void hostedDomainsAreVersionThree() throws Exception {
        Node node = Node.of("device", Map.of("jid", "123:7@hosted"));
        byte[] v3 = new NodeEncoder(V3).encodeFrame(node);
        assertEquals(node, new NodeDecoder(V3).decodeFrame(v3));
        // Version 2 knows no hosted domain: 128 reads as lid there, as in Baileys 6.
        byte[] hosted = HEX.parseHex("00f803fc016efc036a6964" + "f78007ff82123f");
        assertEquals("123:7@hosted", new NodeDecoder(V3).decodeFrame(hosted).attributes().get("jid"));
        assertEquals("123:7@lid", new NodeDecoder(V2).decodeFrame(hosted).attributes().get("jid"));
    }

    @Test
    void messengerAndInteropJidsDecode() throws Exception {
        // <n jid=FB_JID(user "12", device 3, server "msgr")/> and INTEROP_JID(user "9", device 1, integrator 7, "interop")
        String msgr = HEX.formatHex("msgr".getBytes());
        String interop = HEX.formatHex("interop".getBytes());
        byte[] fb = HEX.parseHex("00f803fc016e" + "fc036a6964" + "f6ff0112" + "0003" + "fc04" + msgr);
        assertEquals("12:3@msgr", new NodeDecoder(V3).decodeFrame(fb).attributes().get("jid"));
        byte[] io = HEX.parseHex("00f803fc016e" + "fc036a6964" + "f5ff8190" + "0001" + "0007" + "fc07" + interop);
        assertEquals("7-9:1@interop", new NodeDecoder(V3).decodeFrame(io).attributes().get("jid"));
    }

    @Test
    void compressedFramesInflate() throws Exception {
        byte[] plain = new NodeEncoder(V3).encodeFrame(ping());
        byte[] compressed = deflate(plain, 1, plain.length - 1);
        byte[] frame = new byte[compressed.length + 1];
        frame[0] = 2;
        System.arraycopy(compressed, 0, frame, 1, compressed.length);
        assertEquals(ping(), new NodeDecoder(V3).decodeFrame(frame));
    }

    @Test
    void inflationIsCapped() {
        byte[] node = new NodeEncoder(V3).encodeFrame(Node.withBytes("x", Map.of(), new byte[200_000]));
        byte[] compressed = deflate(node, 1, node.length - 1);
        byte[] frame = new byte[compressed.length + 1];
        frame[0] = 2;
        System.arraycopy(compressed, 0, frame, 1, compressed.length);
        NodeDecoder small = new NodeDecoder(V3, new DecodeLimits(64, 100_000, 1000));
        NodeDecodeException e = assertThrows(NodeDecodeException.class, () -> small.decodeFrame(frame));
        assertEquals(true, e.getMessage().contains("inflates past"));
    }

    @Test
    void malformedInputGivesTypedErrors() {
        NodeDecoder decoder = new NodeDecoder(V3);
        List<String> bad = List.of(
                "",                      // no flags byte
                "00",                    // no node
                "00f8",                  // truncated list size
                "00f800",                // empty list as node
                "00f80a1908",            // attributes cut short
                "00f802fc",              // binary length missing
                "00f802fc05414243",      // binary longer than the data
                "00f801f2",              // tag 242 is no string
                "00f80308fc00",          // empty tag string... then missing value
                "00f80219f8ff",          // list of 255 children in 0 bytes
                "00f80219fe7fffffff",    // 32-bit binary length past the end
                "00f80219ff02cd",        // nibble 0xc is not a character
                "00f80219fa0000",        // JID pair with an empty server
                "0019",                  // not a list
                "02789c0000",            // bad zlib
                "00f8011900");           // trailing byte
        for (String hex : bad) {
            assertThrows(NodeDecodeException.class, () -> decoder.decodeFrame(HEX.parseHex(hex)), hex);
        }
    }

    @Test
    void nestingIsBounded() {
        NodeDecoder decoder = new NodeDecoder(V3, new DecodeLimits(8, 1024, 1000));
        ByteArrayOutputStream deep = new ByteArrayOutputStream();
        deep.write(0);
        for (int i = 0; i < 9; i++) {
            deep.writeBytes(HEX.parseHex("f80219f801"));
        }
        deep.writeBytes(HEX.parseHex("f80119"));
        NodeDecodeException e = assertThrows(NodeDecodeException.class, () -> decoder.decodeFrame(deep.toByteArray()));
        assertEquals(true, e.getMessage().contains("deeper"));
    }

    private static byte[] deflate(byte[] data, int offset, int length) {
        Deflater deflater = new Deflater();
        deflater.setInput(data, offset, length);
        deflater.finish();
        byte[] out = new byte[length + 64];
        int n = deflater.deflate(out);
        deflater.end();
        return java.util.Arrays.copyOf(out, n);
    }
}
