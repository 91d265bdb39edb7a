package io.switchboard.protocol.binary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** JID parts that are JIDs again, ten thousand deep: a typed rejection, not a StackOverflowError. */
class NestedJidTest {

    private final NodeDecoder decoder = new NodeDecoder(TokenDictionary.forVersion(TokenDictionary.CURRENT_VERSION));

    @Test
    void deeplyNestedJidsAreRejectedWithTheirOffset() {
        byte[] frame = new byte[2 + 10_000 + 4];
        frame[0] = (byte) BinaryTags.LIST_8;
        frame[1] = 1;
        Arrays.fill(frame, 2, 2 + 10_000, (byte) BinaryTags.JID_PAIR);
        NodeDecodeException rejected = assertThrows(NodeDecodeException.class, () -> decoder.decodeNode(frame));
        assertTrue(rejected.getMessage().contains("nested"), rejected.getMessage());
        assertEquals(2 + NodeDecoder.MAX_JID_NESTING, rejected.offset());
    }

    @Test
    void aJidWithinTheBoundStillDecodes() throws NodeDecodeException {
        Node node = Node.of("iq", java.util.Map.of("to", "15551234567@s.whatsapp.net"));
        byte[] frame = new NodeEncoder(TokenDictionary.forVersion(TokenDictionary.CURRENT_VERSION)).encodeFrame(node);
        assertEquals("15551234567@s.whatsapp.net", decoder.decodeFrame(frame).attribute("to").orElseThrow());
    }
}
