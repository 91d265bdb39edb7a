package io.switchboard.protocol.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    @Test
    void clientPrefixesTheIntroHeaderOnce() {
        FrameEncoder encoder = FrameEncoder.client(new IntroHeader(2));
        assertEquals("5741060200000161", HexFormat.of().formatHex(encoder.encode(new byte[] {0x61})));
        assertEquals("00000162", HexFormat.of().formatHex(encoder.encode(new byte[] {0x62})));
    }

    @Test
    void serverReadsHeaderThenFramesSplitAnyway() throws Exception {
        FrameEncoder encoder = FrameEncoder.client(new IntroHeader(3));
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<byte[]> sent = new ArrayList<>();
        Random random = new Random(1);
        for (int i = 0; i < 50; i++) {
            byte[] frame = new byte[random.nextInt(3000)];
            random.nextBytes(frame);
            sent.add(frame);
            stream.writeBytes(encoder.encode(frame));
        }
        byte[] all = stream.toByteArray();
        FrameDecoder decoder = FrameDecoder.server(1 << 20);
        List<byte[]> received = new ArrayList<>();
        for (int offset = 0; offset < all.length; ) {
            int chunk = Math.min(all.length - offset, 1 + random.nextInt(5000));
            received.addAll(decoder.feed(java.util.Arrays.copyOfRange(all, offset, offset + chunk)));
            offset += chunk;
        }
        assertEquals(3, decoder.header().dictionaryVersion());
        assertEquals(sent.size(), received.size());
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), received.get(i));
        }
    }

    @Test
    void oversizedFrameKillsTheStream() throws Exception {
        FrameDecoder decoder = FrameDecoder.client(1024);
        assertThrows(FrameException.class, () -> decoder.feed(new byte[] {0x00, 0x04, 0x01}));
        assertThrows(FrameException.class, () -> decoder.feed(new byte[] {0x00, 0x00, 0x00}));
    }

    @Test
    void wrongIntroHeaderIsRefused() {
        FrameDecoder decoder = FrameDecoder.server(1024);
        assertThrows(FrameException.class, () -> decoder.feed("GET / HTTP/1.1".getBytes()));
    }

    @Test
    void zeroLengthFramesAreFrames() throws Exception {
        assertEquals(2, FrameDecoder.client(16).feed(new byte[6]).size());
    }
}
