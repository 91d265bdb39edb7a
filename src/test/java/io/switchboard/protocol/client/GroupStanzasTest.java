package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.protocol.binary.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading WhatsApp's group answers and notifications in both addressing modes (MEDIA-GROUPS §5.1–5.3). */
class GroupStanzasTest {

    @Test
    void aLidGroupNamesItsMembersByLidWithTheirNumbers() {
        Node group = Node.withChildren("group", Stanza.attrs("id", "120363041234567890", "subject", "Class 7B", "s_t", "1765000000",
                "s_o", "141234567890123@lid", "s_o_pn", "5511987654321@s.whatsapp.net", "creation", "1765000000",
                "creator", "141234567890123@lid", "creator_pn", "5511987654321@s.whatsapp.net", "addressing_mode", "lid"), List.of(
                Node.of("participant", Stanza.attrs("jid", "141234567890123@lid", "phone_number", "5511987654321@s.whatsapp.net",
                        "type", "superadmin")),
                Node.of("participant", Stanza.attrs("jid", "152345678901234@lid")),
                Node.withChildren("description", Stanza.attrs("id", "D1"), List.of(Node.withBytes("body", Stanza.attrs(),
                        "homework on Fridays".getBytes(java.nio.charset.StandardCharsets.UTF_8)))),
                Node.of("announcement")));
        GroupStanzas.GroupInfo info = GroupStanzas.group(group, Map.of("152345678901234", "5511912345678"));
        assertEquals("120363041234567890@g.us", info.jid());
        assertTrue(info.lid());
        assertEquals("5511987654321", info.creator());
        assertEquals("homework on Fridays", info.description());
        assertTrue(info.announcement());
        assertEquals(List.of(new GroupStanzas.Participant("5511987654321", "141234567890123", "superadmin"),
                new GroupStanzas.Participant("5511912345678", "152345678901234", "")), info.participants());
    }

    @Test
    void aPhoneNumberGroupNamesItsMembersByNumberWithTheirLids() {
        Node group = Node.withChildren("group", Stanza.attrs("id", "5511987654321-1612345678", "subject", "Old group"), List.of(
                Node.of("participant", Stanza.attrs("jid", "5511987654321@s.whatsapp.net", "lid", "141234567890123@lid", "type", "admin")),
                Node.of("participant", Stanza.attrs("jid", "5511900000000@s.whatsapp.net", "error", "403"))));
        GroupStanzas.GroupInfo info = GroupStanzas.group(group, Map.of());
        assertEquals("5511987654321-1612345678@g.us", info.jid());
        assertEquals("pn", info.addressingMode());
        assertEquals(List.of(new GroupStanzas.Participant("5511987654321", "141234567890123", "admin")), info.participants(),
                "a participant WhatsApp refused is not a member");
        assertTrue(ClientGroups.isGroupJid(info.jid()));
    }

    @Test
    void notificationsReadAsChanges() {
        Node add = Node.withChildren("notification", Stanza.attrs("from", "120363041234567890@g.us", "type", "w:gp2", "id", "N1",
                "t", "1765000100", "participant", "141234567890123@lid", "participant_pn", "5511987654321@s.whatsapp.net",
                "addressing_mode", "lid"), List.of(Node.withChildren("add", Stanza.attrs("reason", "invite"), List.of(
                Node.of("participant", Stanza.attrs("jid", "152345678901234@lid", "phone_number", "5511912345678@s.whatsapp.net"))))));
        GroupStanzas.GroupChange change = GroupStanzas.change(add, Map.of());
        assertEquals("add", change.action());
        assertEquals("5511987654321", change.actor());
        assertEquals("invite", change.reason());
        assertEquals("lid", change.addressingMode());
        assertEquals(List.of(new GroupStanzas.Participant("5511912345678", "152345678901234", "")), change.participants());

        Node subject = Node.withChildren("notification", Stanza.attrs("from", "120363041234567890@g.us", "type", "w:gp2", "id", "N2",
                "participant", "5511987654321@s.whatsapp.net"), List.of(Node.of("subject", Stanza.attrs("subject", "Class 7C"))));
        assertEquals("Class 7C", GroupStanzas.change(subject, Map.of()).value());
        assertNull(GroupStanzas.change(Node.of("notification", Stanza.attrs("from", "120363041234567890@g.us")), Map.of()));
    }

    @Test
    void refusalsCarryWhatsAppsCodeAndThePhashIsEightCharactersAfterItsVersion() {
        Node error = Node.withChildren("iq", Stanza.attrs("type", "error", "id", "1"), List.of(Node.of("error",
                Stanza.attrs("code", "401", "text", "not-authorized"))));
        assertEquals(401, assertThrows(GroupStanzas.GroupRefused.class, () -> GroupStanzas.checked(error)).code);
        String phash = GroupStanzas.phash(List.of("5511912345678:1@s.whatsapp.net", "5511987654321@s.whatsapp.net"));
        assertTrue(phash.matches("2:[A-Za-z0-9+/]{8}"), phash);
        assertEquals(phash, GroupStanzas.phash(List.of("5511987654321@s.whatsapp.net", "5511912345678:1@s.whatsapp.net")),
                "the order of the devices does not matter");
    }
}
