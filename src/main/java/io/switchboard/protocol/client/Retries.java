package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.signal.PreKeyBundle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Retry receipts, both ways. A message we cannot decrypt is answered with {@code <receipt
 * type="retry">} (count 1 to {@link #MAX}; from the second on with a fresh key bundle) so the
 * sender encrypts it again; a retry receipt for a message of ours is answered by encrypting the
 * same text again for that one device, on a new session, under the same id.
 */
final class Retries {

    /** At most this many retry receipts per received message, and resends per message and device (as Baileys). */
    static final int MAX = 5;
    /** How many sent texts are kept for resending, and for how long. */
    static final int KEPT_SENT = 2_000;
    static final Duration SENT_KEPT_FOR = Duration.ofHours(6);
    private static final int KEPT_COUNTS = 5_000;
    private static final byte[] KEY_TYPE = {5};

    private final Map<String, Integer> asked = bounded(KEPT_COUNTS);
    private final Map<String, Integer> resent = bounded(KEPT_COUNTS);
    private final Map<String, SentText> sent = bounded(KEPT_SENT);
    private final Map<String, Boolean> delivered = bounded(KEPT_COUNTS);

    /** The count for the next retry receipt about {@code id} from {@code sender}; 0 once {@link #MAX} were sent. */
    int nextAsk(String id, String sender) {
        int count = asked.getOrDefault(id + " " + sender, 0) + 1;
        if (count > MAX) {
            return 0;
        }
        asked.put(id + " " + sender, count);
        return count;
    }

    void decrypted(String id, String sender) {
        asked.remove(id + " " + sender);
    }

    void sent(String id, SentText text) {
        sent.put(id, text);
    }

    /** The text sent as {@code id}, if kept and recent enough to be sent again. */
    SentText sentText(String id, Instant now) {
        SentText text = sent.get(id);
        return text == null || text.at().plus(SENT_KEPT_FOR).isBefore(now) ? null : text;
    }

    /** {@code device} confirmed message {@code id} (any receipt but a retry). */
    void delivered(String id, String device) {
        delivered.put(id + " " + device, Boolean.TRUE);
    }

    boolean wasDelivered(String id, String device) {
        return delivered.containsKey(id + " " + device);
    }

    /** Whether {@code id} may be sent to {@code device} once more (counts the resend). */
    boolean mayResend(String id, String device) {
        int count = resent.getOrDefault(id + " " + device, 0) + 1;
        if (count > MAX) {
            return false;
        }
        resent.put(id + " " + device, count);
        return true;
    }

    /**
     * {@code <receipt id to type="retry"><retry count id t v="1"/><registration/>[<keys>]</receipt>}
     * for {@code message}; {@code fresh} (a one-time pre-key not uploaded anywhere) goes in the keys.
     */
    static Node receipt(Node message, int count, Credentials credentials, Credentials.PreKey fresh) {
        String id = message.attribute("id").orElse("");
        Map<String, String> attrs = Stanza.attrs("id", id, "type", "retry", "to", message.attribute("from").orElse(Stanza.SERVER));
        message.attribute("recipient").ifPresent(value -> attrs.put("recipient", value));
        message.attribute("participant").ifPresent(value -> attrs.put("participant", value));
        List<Node> children = new ArrayList<>();
        Map<String, String> retry = Stanza.attrs("count", String.valueOf(count), "id", id);
        message.attribute("t").ifPresent(t -> retry.put("t", t));
        retry.put("v", "1");
        children.add(Node.of("retry", retry));
        children.add(Node.withBytes("registration", Stanza.attrs(), ByteBuffer.allocate(4).putInt(credentials.registrationId()).array()));
        if (fresh != null) {
            Credentials.SignedPreKey signed = credentials.signedPreKey();
            List<Node> keys = new ArrayList<>(List.of(
                    Node.withBytes("type", Stanza.attrs(), KEY_TYPE),
                    Node.withBytes("identity", Stanza.attrs(), credentials.identityKey().publicKey()),
                    Node.withChildren("key", Stanza.attrs(), List.of(
                            Node.withBytes("id", Stanza.attrs(), PreKeyUpload.threeBytes(fresh.id())),
                            Node.withBytes("value", Stanza.attrs(), fresh.keyPair().publicKey()))),
                    Node.withChildren("skey", Stanza.attrs(), List.of(
                            Node.withBytes("id", Stanza.attrs(), PreKeyUpload.threeBytes(signed.id())),
                            Node.withBytes("value", Stanza.attrs(), signed.keyPair().publicKey()),
                            Node.withBytes("signature", Stanza.attrs(), signed.signature())))));
            credentials.account().ifPresent(account ->
                    keys.add(Node.withBytes("device-identity", Stanza.attrs(), account.signedDeviceIdentity())));
            children.add(Node.withChildren("keys", Stanza.attrs(), keys));
        }
        return Node.withChildren("receipt", attrs, children);
    }

    /** The count a retry receipt carries (1 when absent or unreadable). */
    static int countOf(Node receipt) {
        String count = receipt.child("retry").flatMap(retry -> retry.attribute("count")).orElse("1");
        return count.matches("[0-9]{1,2}") ? Math.max(1, Integer.parseInt(count)) : 1;
    }

    /** The bundle in a retry receipt's {@code <keys>} (with its {@code <registration>}), or null when it has none usable. */
    static PreKeyBundle bundleOf(Node receipt) {
        Node keys = receipt.child("keys").orElse(null);
        byte[] registration = receipt.child("registration").flatMap(Node::bytes).orElse(null);
        if (keys == null || registration == null || registration.length != 4) {
            return null;
        }
        byte[] identity = bytes(keys, "identity");
        Node skey = keys.child("skey").orElse(null);
        Node key = keys.child("key").orElse(null);
        if (identity == null || identity.length != 32 || skey == null) {
            return null;
        }
        byte[] signedId = bytes(skey, "id");
        byte[] signedKey = bytes(skey, "value");
        byte[] signature = bytes(skey, "signature");
        if (signedId == null || signedId.length != 3 || signedKey == null || signedKey.length != 32 || signature == null
                || signature.length != 64) {
            return null;
        }
        byte[] keyId = key == null ? null : bytes(key, "id");
        byte[] keyValue = key == null ? null : bytes(key, "value");
        boolean oneTime = keyId != null && keyId.length == 3 && keyValue != null && keyValue.length == 32;
        return new PreKeyBundle(ByteBuffer.wrap(registration).getInt(), identity, int3(signedId), signedKey, signature,
                oneTime ? int3(keyId) : null, oneTime ? keyValue : null);
    }

    private static int int3(byte[] bytes) {
        return ((bytes[0] & 0xff) << 16) | ((bytes[1] & 0xff) << 8) | (bytes[2] & 0xff);
    }

    private static byte[] bytes(Node parent, String tag) {
        return parent.child(tag).flatMap(Node::bytes).orElse(null);
    }

    private static <V> Map<String, V> bounded(int size) {
        return new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > size;
            }
        };
    }
}
