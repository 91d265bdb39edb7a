package io.switchboard.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.switchboard.protocol.proto.ContextInfo;
import io.switchboard.protocol.proto.Message;
import io.switchboard.protocol.proto.MessageKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every kind of received content is read as what it is; nothing readable is dropped. */
class ReceivedTest {

    private static final MessageKey KEY = MessageKey.newBuilder().setRemoteJid("15550001111@s.whatsapp.net").setFromMe(true)
            .setId("3EB0TARGET").build();

    @Test
    void repliesLocationsCardsAndPolls() throws Exception {
        Received reply = read(Message.newBuilder().setExtendedTextMessage(Message.ExtendedTextMessage.newBuilder().setText("yes @1")
                .setContextInfo(ContextInfo.newBuilder().setStanzaId("3EB0Q").setParticipant("1@s.whatsapp.net")
                        .addMentionedJid("1@s.whatsapp.net"))).build());
        assertEquals("text", reply.kind());
        assertEquals(new Received.Reply("3EB0Q", "1@s.whatsapp.net", List.of("1@s.whatsapp.net")), reply.reply());

        Received location = read(Message.newBuilder().setLocationMessage(Message.LocationMessage.newBuilder()
                .setDegreesLatitude(-23.5505).setDegreesLongitude(-46.6333).setName("Sé")).build());
        assertEquals("location", location.kind());
        assertEquals(-23.5505, location.details().get("latitude"));
        assertEquals("Sé", location.details().get("name"));

        Received live = read(Message.newBuilder().setLiveLocationMessage(Message.LiveLocationMessage.newBuilder()
                .setDegreesLatitude(1.5).setDegreesLongitude(2.5).setSequenceNumber(7)).build());
        assertEquals("live-location", live.kind());
        assertEquals(7L, live.details().get("sequence"));

        Received cards = read(Message.newBuilder().setContactsArrayMessage(Message.ContactsArrayMessage.newBuilder()
                .addContacts(Message.ContactMessage.newBuilder().setDisplayName("Ana").setVcard("BEGIN:VCARD"))
                .addContacts(Message.ContactMessage.newBuilder().setDisplayName("Bo").setVcard("BEGIN:VCARD"))).build());
        assertEquals("contacts", cards.kind());
        assertEquals(2, ((List<?>) cards.details().get("contacts")).size());

        Received poll = read(Message.newBuilder().setPollCreationMessageV3(Message.PollCreationMessage.newBuilder().setName("Lunch?")
                .addOptions(Message.PollCreationMessage.Option.newBuilder().setOptionName("Pizza"))
                .addOptions(Message.PollCreationMessage.Option.newBuilder().setOptionName("Sushi")).setSelectableOptionsCount(1))
                .build());
        assertEquals("poll", poll.kind());
        assertEquals(List.of("Pizza", "Sushi"), poll.details().get("options"));
    }

    @Test
    void reactionsEditsAndRevokesNameTheirMessage() throws Exception {
        Received reaction = read(Message.newBuilder().setReactionMessage(Message.ReactionMessage.newBuilder().setKey(KEY).setText("👍"))
                .build());
        assertEquals(new Received.Change(Received.Change.Kind.REACTION, "3EB0TARGET", true, "15550001111@s.whatsapp.net", null, "👍"),
                reaction.change());

        // As Baileys 7 sends an edit: inside editedMessage (a FutureProofMessage).
        Message edit = Message.newBuilder().setEditedMessage(Message.FutureProofMessage.newBuilder().setMessage(Message.newBuilder()
                .setProtocolMessage(Message.ProtocolMessage.newBuilder().setKey(KEY).setType(Message.ProtocolMessage.Type.MESSAGE_EDIT)
                        .setEditedMessage(Message.newBuilder().setConversation("fixed"))))).build();
        assertEquals(Received.Change.Kind.EDIT, read(edit).change().kind());
        assertEquals("fixed", read(edit).change().text());

        Received revoke = read(Message.newBuilder().setProtocolMessage(Message.ProtocolMessage.newBuilder().setKey(KEY)
                .setType(Message.ProtocolMessage.Type.REVOKE)).build());
        assertEquals(Received.Change.Kind.REVOKE, revoke.change().kind());
        // Protocol messages that are not about a message (history sync, keys) are nothing to show.
        assertTrue(Plaintext.read(Plaintext.message(Message.newBuilder().setProtocolMessage(Message.ProtocolMessage.newBuilder()
                .setType(Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION)).build())).isEmpty());
    }

    @Test
    void wrappersAreOpenedAndUnknownKindsKept() throws Exception {
        Received ephemeral = read(Message.newBuilder().setEphemeralMessage(Message.FutureProofMessage.newBuilder()
                .setMessage(Message.newBuilder().setConversation("disappearing"))).build());
        assertEquals("disappearing", ephemeral.text());
        Message unknown = Message.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder().addField(66,
                UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("x")).build()).build()).build();
        Received kept = read(unknown);
        assertEquals("unsupported", kept.kind());
        assertEquals(Map.of("fields", List.of(66)), kept.details());
        assertNull(kept.text());
    }

    private static Received read(Message message) throws MessageFormatException {
        return Plaintext.read(Plaintext.message(message)).orElseThrow();
    }
}
