package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.signal.PreKeyBundle;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Sending 1:1 texts: the device-list query, pre-key bundles, message ids. */
final class Outbound {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Outbound() {
    }

    /** {@code <usync context="message">} for the devices and LIDs of {@code users} (user jids). */
    static Node deviceQuery(String id, List<String> users) {
        List<Node> list = new ArrayList<>();
        for (String user : users) {
            list.add(Node.of("user", Stanza.attrs("jid", user)));
        }
        Node usync = Node.withChildren("usync", Stanza.attrs("sid", id, "context", "message", "mode", "query",
                "last", "true", "index", "0"), List.of(
                Node.withChildren("query", Stanza.attrs(), List.of(Node.of("devices", Stanza.attrs("version", "2")),
                        Node.of("lid"))),
                Node.withChildren("list", Stanza.attrs(), list)));
        return Stanza.iq(id, "get", "usync", usync);
    }

    /**
     * The device jids in a usync answer, as Baileys keeps them: device 0 always, other devices only
     * with a key index, never {@code ownDevice}.
     */
    static List<String> devices(Node answer, String ownDevice) {
        List<String> jids = new ArrayList<>();
        Node list = answer.child("usync").flatMap(u -> u.child("list")).orElse(null);
        if (list == null) {
            return jids;
        }
        for (Node user : list.children()) {
            String jid = user.attribute("jid").orElse("");
            int at = jid.indexOf('@');
            if (at <= 0) {
                continue;
            }
            String number = jid.substring(0, at).split(":")[0];
            List<Node> devices = user.child("devices").flatMap(d -> d.child("device-list")).map(Node::children).orElse(List.of());
            for (Node device : devices) {
                String id = device.attribute("id").orElse("");
                if (!id.matches("[0-9]{1,3}") || (!"0".equals(id) && device.attribute("key-index").isEmpty())) {
                    continue;
                }
                String deviceJid = "0".equals(id) ? number + jid.substring(at) : number + ":" + id + jid.substring(at);
                if (!deviceJid.equals(ownDevice) && !(number + ":" + id + jid.substring(at)).equals(ownDevice)) {
                    jids.add(deviceJid);
                }
            }
        }
        return jids;
    }

    /** The users (user jids, device part dropped) a usync answer names. */
    static List<String> users(Node answer) {
        List<String> users = new ArrayList<>();
        answer.child("usync").flatMap(u -> u.child("list")).ifPresent(list -> list.children().forEach(user ->
                user.attribute("jid").filter(jid -> jid.indexOf('@') > 0).map(Inbound::userJid).ifPresent(users::add)));
        return users;
    }

    /** The LIDs in a usync answer: LID user → phone number, for each user that came with {@code <lid val>}. */
    static Map<String, String> lids(Node answer) {
        Map<String, String> lids = new LinkedHashMap<>();
        Node list = answer.child("usync").flatMap(u -> u.child("list")).orElse(null);
        if (list == null) {
            return lids;
        }
        for (Node user : list.children()) {
            String jid = user.attribute("jid").orElse("");
            String lid = user.child("lid").flatMap(l -> l.attribute("val")).map(Inbound::lidUser).orElse(null);
            int at = jid.indexOf('@');
            if (lid != null && at > 0 && Stanza.SERVER.equals(jid.substring(at))) {
                lids.put(lid, jid.substring(0, at).split(":")[0]);
            }
        }
        return lids;
    }

    static Node bundleQuery(String id, List<String> deviceJids) {
        List<Node> users = new ArrayList<>();
        for (String jid : deviceJids) {
            users.add(Node.of("user", Stanza.attrs("jid", jid)));
        }
        return Stanza.iq(id, "get", "encrypt", Node.withChildren("key", Stanza.attrs(), users));
    }

    /** The bundles in an answer, by device jid; a user carrying an error is left out. */
    static Map<String, PreKeyBundle> bundles(Node answer) {
        Map<String, PreKeyBundle> bundles = new LinkedHashMap<>();
        List<Node> users = answer.child("list").map(Node::children).orElse(List.of());
        for (Node user : users) {
            if (user.child("error").isPresent()) {
                continue;
            }
            byte[] registration = bytes(user, "registration");
            byte[] identity = bytes(user, "identity");
            Node skey = user.child("skey").orElse(null);
            if (registration == null || registration.length != 4 || identity == null || skey == null) {
                continue;
            }
            Node key = user.child("key").orElse(null);
            bundles.put(user.attribute("jid").orElse(""), new PreKeyBundle(ByteBuffer.wrap(registration).getInt(), identity,
                    id(bytes(skey, "id")), bytes(skey, "value"), bytes(skey, "signature"),
                    key == null ? null : id(bytes(key, "id")), key == null ? null : bytes(key, "value")));
        }
        return bundles;
    }

    /** The message stanza's {@code type}: {@code media} for a message carrying a file (as Baileys 7 and whatsmeow), else text. */
    static String stanzaType(io.switchboard.protocol.proto.Message message) {
        return message.hasReactionMessage() ? "reaction" : mediaType(message).isPresent() ? "media" : "text";
    }

    /**
     * The stanza's {@code edit} attribute, as WhatsApp Web sets it: 1 for an edit, 7 for the sender's
     * revoke (and a removed reaction); null for anything else.
     */
    static String editAttribute(io.switchboard.protocol.proto.Message message) {
        if (message.hasProtocolMessage()) {
            io.switchboard.protocol.proto.Message.ProtocolMessage.Type type = message.getProtocolMessage().getType();
            return type == io.switchboard.protocol.proto.Message.ProtocolMessage.Type.MESSAGE_EDIT ? "1"
                    : type == io.switchboard.protocol.proto.Message.ProtocolMessage.Type.REVOKE ? "7" : null;
        }
        return message.hasReactionMessage() && message.getReactionMessage().getText().isEmpty() ? "7" : null;
    }

    /** Reactions and edits are hidden by a device that cannot decrypt them ({@code decrypt-fail="hide"}). */
    static boolean hideIfUndecryptable(io.switchboard.protocol.proto.Message message) {
        return message.hasReactionMessage() || (message.hasProtocolMessage()
                && message.getProtocolMessage().getType() == io.switchboard.protocol.proto.Message.ProtocolMessage.Type.MESSAGE_EDIT);
    }

    /** The {@code mediatype} of each {@code <enc>} of a message carrying a file. */
    static java.util.Optional<String> mediaType(io.switchboard.protocol.proto.Message message) {
        return io.switchboard.protocol.message.MediaMessages.read(message).map(media -> media.type().stanzaType());
    }

    /** {@code 3EB0} + 18 upper-case hex digits of SHA-256(time, user, random), as WhatsApp Web's ids look. */
    static String messageId(String user) {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(ByteBuffer.allocate(8).putLong(System.currentTimeMillis()).array());
            sha.update(user.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(random);
            return "3EB0" + HexFormat.of().formatHex(sha.digest(), 0, 9).toUpperCase(Locale.ROOT);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int id(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length > 4) {
            return -1;
        }
        int value = 0;
        for (byte b : bytes) {
            value = (value << 8) | (b & 0xff);
        }
        return value;
    }

    private static byte[] bytes(Node parent, String tag) {
        return parent.child(tag).flatMap(Node::bytes).orElse(null);
    }
}
