package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.protocol.binary.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Acks carry what Baileys 6 puts in them (messages-recv sendMessageAck): WhatsApp matches acks on these. */
class AckTest {

    @Test
    void anAckCopiesParticipantRecipientAndTheTypeOfNonMessages() {
        Node notification = Node.of("notification", Stanza.attrs("id", "n1", "from", "123@g.us", "type", "w:gp2",
                "participant", "555@s.whatsapp.net", "t", "1"));
        assertEquals(Map.of("id", "n1", "to", "123@g.us", "class", "notification", "type", "w:gp2",
                "participant", "555@s.whatsapp.net"), Stanza.ack(notification).attributes());

        Node receipt = Node.of("receipt", Stanza.attrs("id", "r1", "from", "555@s.whatsapp.net", "type", "read",
                "recipient", "777@s.whatsapp.net"));
        assertEquals(Map.of("id", "r1", "to", "555@s.whatsapp.net", "class", "receipt", "type", "read",
                "recipient", "777@s.whatsapp.net"), Stanza.ack(receipt).attributes());
    }

    @Test
    void aMessageAckLeavesTheTypeOutUnlessTheMessageIsUnavailable() {
        Node message = Node.of("message", Stanza.attrs("id", "m1", "from", "555@s.whatsapp.net", "type", "text"));
        assertEquals(Map.of("id", "m1", "to", "555@s.whatsapp.net", "class", "message"), Stanza.ack(message).attributes());

        Node unavailable = Node.withChildren("message", Stanza.attrs("id", "m2", "from", "555@s.whatsapp.net", "type", "text"),
                List.of(Node.of("unavailable", Stanza.attrs())));
        assertEquals("text", Stanza.ack(unavailable).attribute("type").orElse(null));
    }

    @Test
    void anAckWithoutFromGoesToTheServer() {
        Node call = Node.of("call", Stanza.attrs("id", "c1"));
        assertEquals(Stanza.SERVER, Stanza.ack(call).attribute("to").orElse(null));
    }
}
