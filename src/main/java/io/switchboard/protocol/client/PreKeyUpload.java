package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Keeps one-time pre-keys on the server, as WhatsApp expects of a companion: after login the
 * client asks how many are left and uploads a batch when they run low.
 */
final class PreKeyUpload {

    /** Below this many on the server, upload a batch. */
    static final int MINIMUM = 5;
    static final int BATCH = 30;
    /** A signed pre-key older than this is replaced at login (the one before is kept for sessions started on it). */
    static final java.time.Duration SIGNED_PRE_KEY_LIFETIME = java.time.Duration.ofDays(7);
    private static final byte[] KEY_TYPE_CURVE25519 = {5};

    private PreKeyUpload() {
    }

    static Node countQuery(String id) {
        return Stanza.iq(id, "get", "encrypt", Node.of("count"));
    }

    /** The server's count, 0 when the answer has none. */
    static int countOf(Node answer) {
        try {
            return Integer.parseInt(answer.child("count").flatMap(c -> c.attribute("value")).orElse("0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code <iq xmlns="encrypt" type="set"><rotate><skey>…</skey></rotate></iq>}: the server's copy of our signed pre-key replaced. */
    static Node rotate(String id, Credentials.SignedPreKey signed) {
        return Stanza.iq(id, "set", "encrypt", Node.withChildren("rotate", Stanza.attrs(), List.of(skey(signed))));
    }

    private static Node skey(Credentials.SignedPreKey signed) {
        return Node.withChildren("skey", Stanza.attrs(), List.of(
                Node.withBytes("id", Stanza.attrs(), threeBytes(signed.id())),
                Node.withBytes("value", Stanza.attrs(), signed.keyPair().publicKey()),
                Node.withBytes("signature", Stanza.attrs(), signed.signature())));
    }

    static Node upload(String id, Credentials credentials, List<Credentials.PreKey> keys) {
        List<Node> list = new ArrayList<>();
        for (Credentials.PreKey key : keys) {
            list.add(Node.withChildren("key", Stanza.attrs(), List.of(
                    Node.withBytes("id", Stanza.attrs(), threeBytes(key.id())),
                    Node.withBytes("value", Stanza.attrs(), key.keyPair().publicKey()))));
        }
        Credentials.SignedPreKey signed = credentials.signedPreKey();
        return Node.withChildren("iq", Stanza.attrs("id", id, "to", Stanza.SERVER, "type", "set", "xmlns", "encrypt"), List.of(
                Node.withBytes("registration", Stanza.attrs(), ByteBuffer.allocate(4).putInt(credentials.registrationId()).array()),
                Node.withBytes("type", Stanza.attrs(), KEY_TYPE_CURVE25519),
                Node.withBytes("identity", Stanza.attrs(), credentials.identityKey().publicKey()),
                Node.withChildren("list", Stanza.attrs(), list),
                skey(signed)));
    }

    static byte[] threeBytes(int value) {
        return Arrays.copyOfRange(ByteBuffer.allocate(4).putInt(value).array(), 1, 4);
    }
}
