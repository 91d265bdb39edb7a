package io.switchboard.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.protocol.proto.Message;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlaintextTest {

    @Test
    void paddingIsOneToFifteenBytesOfItsOwnLengthAndComesOff() throws Exception {
        Random random = new Random(1);
        byte[] message = {10, 20, 30};
        for (int i = 0; i < 500; i++) {
            byte[] padded = Plaintext.pad(message, random);
            int n = padded.length - message.length;
            assertTrue(n >= 1 && n <= 15, "pad " + n);
            for (int k = message.length; k < padded.length; k++) {
                assertEquals(n, padded[k]);
            }
            assertArrayEquals(message, Plaintext.unpad(padded));
        }
        // Baileys 7 pads up to 16.
        byte[] sixteen = new byte[19];
        java.util.Arrays.fill(sixteen, 3, 19, (byte) 16);
        assertEquals(3, Plaintext.unpad(sixteen).length);
        assertThrows(MessageFormatException.class, () -> Plaintext.unpad(new byte[0]));
        assertThrows(MessageFormatException.class, () -> Plaintext.unpad(new byte[] {1, 0}));
        assertThrows(MessageFormatException.class, () -> Plaintext.unpad(new byte[] {1, 9}));
    }

    @Test
    void textsAndOwnDeviceCopiesReadBack() throws Exception {
        assertEquals(new Plaintext.Text("olá 👋", null), Plaintext.readText(Plaintext.text("olá 👋")).orElseThrow());
        assertEquals(new Plaintext.Text("hi", "15550001111@s.whatsapp.net"),
                Plaintext.readText(Plaintext.textCopy("hi", "15550001111@s.whatsapp.net")).orElseThrow());
        byte[] extended = Plaintext.pad(Message.newBuilder().setExtendedTextMessage(
                Message.ExtendedTextMessage.newBuilder().setText("with a link")).build().toByteArray());
        assertEquals("with a link", Plaintext.readText(extended).orElseThrow().text());
        assertTrue(Plaintext.readText(Plaintext.pad(Message.getDefaultInstance().toByteArray())).isEmpty());
        assertThrows(MessageFormatException.class, () -> Plaintext.readText(new byte[] {(byte) 0xff, 1}));
    }
}
