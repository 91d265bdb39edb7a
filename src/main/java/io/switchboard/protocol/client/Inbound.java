package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.message.MessageFormatException;
import io.switchboard.protocol.message.Plaintext;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.switchboard.protocol.signal.LocalIdentity;
import io.switchboard.protocol.signal.PreKeySource;
import io.switchboard.protocol.signal.SessionCipher;
import io.switchboard.protocol.signal.SignalException;
import java.util.Map;

/** Received 1:1 messages: Signal addresses, decryption with our credentials' keys, the delivery receipt. */
final class Inbound {

    /**
     * The text (null for a message that is not one) and the session record to store, and the
     * one-time pre-key the session used (to delete once stored; null if none).
     */
    record Decrypted(io.switchboard.protocol.message.Received read, SignalSessionRecord record, Integer usedPreKeyId) {
    }

    /** A message that did not decrypt ({@code retryable}: the sender may encrypt it again) or does not read. */
    static final class Unreadable extends Exception {
        final boolean retryable;

        Unreadable(String message, boolean retryable) {
            super(message);
            this.retryable = retryable;
        }
    }

    /** A message stored already: WhatsApp delivered it again (our ack was lost, or the server repeats itself). */
    static final class Duplicate extends Exception {
        Duplicate() {
            super("delivered again", null, false, false);
        }
    }

    /** The LID user of a {@code lidUser[:device]@lid} jid; null for any other jid. */
    static String lidUser(String jid) {
        if (!jid.endsWith("@lid")) {
            return null;
        }
        String user = jid.substring(0, jid.length() - "@lid".length());
        String lid = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
        return lid.matches("[0-9]{1,20}") ? lid : null;
    }

    /** The phone number (digits) of {@code sender_pn}; null when absent or not a phone-number jid. */
    static String senderPhone(Node message) {
        String pn = message.attribute("sender_pn").or(() -> message.attribute("participant_pn")).orElse("");
        int at = pn.indexOf('@');
        if (at <= 0 || !Stanza.SERVER.equals(pn.substring(at))) {
            return null;
        }
        String user = pn.substring(0, at).split(":")[0];
        return user.matches("[0-9]{1,20}") ? user : null;
    }

    /** The device {@code from} (PN or LID) names, as the phone-number jid of {@code phone}. */
    static String phoneDevice(String from, String phone) {
        int at = from.indexOf('@');
        String user = at < 0 ? from : from.substring(0, at);
        String device = user.contains(":") ? user.substring(user.indexOf(':') + 1) : "0";
        return "0".equals(device) ? phone + Stanza.SERVER : phone + ":" + device + Stanza.SERVER;
    }

    /** {@code 15551234567:3@s.whatsapp.net} → {@code 15551234567.3}; device 0 when none; null for other servers. */
    static String signalAddress(String jid) {
        int at = jid.indexOf('@');
        if (at <= 0 || !"s.whatsapp.net".equals(jid.substring(at + 1))) {
            return null;
        }
        String user = jid.substring(0, at);
        int colon = user.indexOf(':');
        String number = colon < 0 ? user : user.substring(0, colon);
        String device = colon < 0 ? "0" : user.substring(colon + 1);
        if (!number.matches("[0-9]{1,20}") || !device.matches("[0-9]{1,3}")) {
            return null;
        }
        return number + "." + Integer.parseInt(device);
    }

    /** The user's jid without the device: the chat a 1:1 message belongs to. */
    static String userJid(String jid) {
        int at = jid.indexOf('@');
        String user = at < 0 ? jid : jid.substring(0, at);
        int colon = user.indexOf(':');
        return (colon < 0 ? user : user.substring(0, colon)) + (at < 0 ? "" : jid.substring(at));
    }

    static Decrypted decrypt(Credentials credentials, SignalSessionRecord record, String type, byte[] ciphertext)
            throws Unreadable {
        SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(), credentials.registrationId()));
        try {
            SessionCipher.Decrypted decrypted = "pkmsg".equals(type)
                    ? cipher.decryptPreKey(record, preKeys(credentials), ciphertext)
                    : cipher.decrypt(record, ciphertext);
            io.switchboard.protocol.message.Received read;
            try {
                read = Plaintext.read(decrypted.plaintext()).orElse(null);
            } catch (MessageFormatException e) {
                // Decrypted (the session moved on and is kept) but not a Message: kept as unsupported, asking again would not help.
                read = new io.switchboard.protocol.message.Received("unsupported", null, null, null, null, null,
                        Map.of("fields", java.util.List.of(), "problem", e.getMessage()));
            }
            return new Decrypted(read, decrypted.record(), decrypted.usedPreKeyId());
        } catch (SignalException e) {
            throw new Unreadable(e.kind() + ": " + e.getMessage(), true);
        }
    }

    /** A pairwise message opened as the Message it carries (a group member's sender key), the session to store, the pre-key used. */
    record Opened(io.switchboard.protocol.proto.Message message, SignalSessionRecord record, Integer usedPreKeyId) {
    }

    static Opened open(Credentials credentials, SignalSessionRecord record, String type, byte[] ciphertext) throws Unreadable {
        SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(), credentials.registrationId()));
        SessionCipher.Decrypted decrypted;
        try {
            decrypted = "pkmsg".equals(type) ? cipher.decryptPreKey(record, preKeys(credentials), ciphertext)
                    : cipher.decrypt(record, ciphertext);
        } catch (SignalException e) {
            throw new Unreadable(e.kind() + ": " + e.getMessage(), true);
        }
        io.switchboard.protocol.proto.Message message;
        try {
            message = io.switchboard.protocol.proto.Message.parseFrom(Plaintext.unpad(decrypted.plaintext()));
        } catch (MessageFormatException | com.google.protobuf.InvalidProtocolBufferException e) {
            message = io.switchboard.protocol.proto.Message.getDefaultInstance();
        }
        return new Opened(message, decrypted.record(), decrypted.usedPreKeyId());
    }

    private static PreKeySource preKeys(Credentials credentials) {
        Map<Integer, KeyPair> oneTime = new java.util.HashMap<>();
        credentials.preKeys().forEach(key -> oneTime.put(key.id(), key.keyPair()));
        return PreKeySource.of(oneTime, credentials.signedPreKeyPairs());
    }


    /**
     * The delivery receipt, sent before the ack: {@code inactive} (we never mark ourselves online),
     * {@code sender} for our own devices' copies, as Baileys does.
     */
    static Node receipt(Node message) {
        Map<String, String> attrs = Stanza.attrs("id", message.attribute("id").orElse(""),
                "to", userJid(message.attribute("from").orElse(Stanza.SERVER)));
        message.attribute("participant").ifPresent(value -> attrs.put("participant", value));
        attrs.put("type", message.attribute("recipient").isPresent() ? "sender" : "inactive");
        return Node.of("receipt", attrs);
    }
}
