package io.switchboard.sandbox.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.protocol.message.Plaintext;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The sandbox phone's own reading of WhatsApp plaintexts: what the client writes reads back; bad padding is caught. */
class PlainMessageTest {

    @Test
    void readsWhatTheClientWrites() throws Exception {
        for (int i = 0; i < 50; i++) {
            PhoneParty.PlainMessage text = PhoneParty.PlainMessage.read(Plaintext.text("olá 👋"));
            assertEquals("olá 👋", text.text());
            assertNull(text.destination());
            PhoneParty.PlainMessage copy = PhoneParty.PlainMessage.read(Plaintext.textCopy("hi", "15550001111@s.whatsapp.net"));
            assertEquals("hi", copy.text());
            assertEquals("15550001111@s.whatsapp.net", copy.destination());
        }
    }

    @Test
    void theClientReadsWhatThePhoneWrites() throws Exception {
        assertEquals("from the phone", Plaintext.readText(PhoneParty.PlainMessage.text("from the phone")).orElseThrow().text());
        Plaintext.Text copy = Plaintext.readText(PhoneParty.PlainMessage.copy("copy", "15550002222@s.whatsapp.net")).orElseThrow();
        assertEquals("copy", copy.text());
        assertEquals("15550002222@s.whatsapp.net", copy.sentTo());
    }

    @Test
    void readsWhichMessageAnEditARevokeOrAReactionIsAbout() throws Exception {
        io.switchboard.protocol.proto.MessageKey key = io.switchboard.protocol.proto.MessageKey.newBuilder().setId("3EB0TARGET")
                .setFromMe(true).setRemoteJid("15550001111@s.whatsapp.net").build();
        io.switchboard.protocol.proto.Message.ProtocolMessage.Builder protocol = io.switchboard.protocol.proto.Message.ProtocolMessage
                .newBuilder().setKey(key);
        PhoneParty.PlainMessage revoke = PhoneParty.PlainMessage.read(Plaintext.message(io.switchboard.protocol.proto.Message
                .newBuilder().setProtocolMessage(protocol.setType(io.switchboard.protocol.proto.Message.ProtocolMessage.Type.REVOKE))
                .build()));
        assertEquals(new PhoneParty.PlainMessage.Change("revoke", "3EB0TARGET"), revoke.change());
        io.switchboard.protocol.proto.Message edit = io.switchboard.protocol.proto.Message.newBuilder().setProtocolMessage(protocol
                .setType(io.switchboard.protocol.proto.Message.ProtocolMessage.Type.MESSAGE_EDIT)
                .setEditedMessage(io.switchboard.protocol.proto.Message.newBuilder().setConversation("fixed"))).build();
        assertEquals(new PhoneParty.PlainMessage.Change("edit", "3EB0TARGET"), PhoneParty.PlainMessage.read(Plaintext.message(edit))
                .change());
        // Wrapped as Baileys 7 sends an edit, and as a copy for the sender's own devices.
        io.switchboard.protocol.proto.Message wrapped = io.switchboard.protocol.proto.Message.newBuilder().setEditedMessage(
                io.switchboard.protocol.proto.Message.FutureProofMessage.newBuilder().setMessage(edit)).build();
        assertEquals("edit", PhoneParty.PlainMessage.read(Plaintext.copy(wrapped, "15550002222@s.whatsapp.net")).change().kind());
        PhoneParty.PlainMessage reaction = PhoneParty.PlainMessage.read(Plaintext.message(io.switchboard.protocol.proto.Message
                .newBuilder().setReactionMessage(io.switchboard.protocol.proto.Message.ReactionMessage.newBuilder().setKey(key)
                        .setText("👍")).build()));
        assertEquals(new PhoneParty.PlainMessage.Change("reaction", "3EB0TARGET"), reaction.change());
        assertNull(PhoneParty.PlainMessage.read(Plaintext.text("plain")).change());
    }

    @Test
    void refusesBadPadding() {
        byte[] body = {0x0a, 0x02, 'h', 'i'};
        assertThrows(SandboxProtocolException.class, () -> PhoneParty.PlainMessage.read(body), "no padding at all");
        byte[] zero = Arrays.copyOf(body, 5);
        assertThrows(SandboxProtocolException.class, () -> PhoneParty.PlainMessage.read(zero), "pad length 0");
        byte[] uneven = {0x0a, 0x02, 'h', 'i', 3, 2, 3};
        assertThrows(SandboxProtocolException.class, () -> PhoneParty.PlainMessage.read(uneven), "pad bytes differ");
        byte[] seventeen = Arrays.copyOf(body, body.length + 17);
        Arrays.fill(seventeen, body.length, seventeen.length, (byte) 17);
        assertThrows(SandboxProtocolException.class, () -> PhoneParty.PlainMessage.read(seventeen), "more than 16");
        byte[] cut = {0x0a, 0x09, 'h', 'i', 1};
        assertThrows(SandboxProtocolException.class, () -> PhoneParty.PlainMessage.read(cut), "length past the end");
    }
}
