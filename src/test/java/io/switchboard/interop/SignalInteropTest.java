package io.switchboard.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.switchboard.protocol.signal.LocalIdentity;
import io.switchboard.protocol.signal.PreKeyBundle;
import io.switchboard.protocol.signal.PreKeySource;
import io.switchboard.protocol.signal.SessionCipher;
import io.switchboard.protocol.signal.SessionCipherVectorsTest;
import io.switchboard.protocol.signal.SignalException;
import io.switchboard.protocol.signal.SignalKeys;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our Signal sessions against libsignal-node itself, in the three builds WhatsApp clients run:
 * both directions, out of order, a gap, a second pkmsg with a new base key (the old session
 * archived), a session started by either side, and duplicates refused as duplicates.
 */
class SignalInteropTest {

    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder UNB64 = Base64.getDecoder();

    private final KeyPair identity = Curve25519.generateKeyPair();
    private final KeyPair signedPreKey = Curve25519.generateKeyPair();
    private final Map<Integer, KeyPair> oneTime = new HashMap<>(Map.of(1, Curve25519.generateKeyPair()));
    private final SessionCipher java = new SessionCipher(new LocalIdentity(identity, 4321));
    private SignalSessionRecord record = SignalSessionRecord.getDefaultInstance();

    @ParameterizedTest
    @EnumSource(SignalJudge.Build.class)
    void sessionsWorkBothWaysWithLibsignal(SignalJudge.Build build) throws Exception {
        try (SignalJudge node = SignalJudge.start(build)) {
            // We start the session from their bundle: pkmsg until they answer, then msg.
            record = java.initiate(record, bundleOf(node.ask(node.request("bundle"))));
            assertEquals("one", nodeDecrypts(node, send("one", "pkmsg")));
            assertEquals("two", receive(node.ask(node.request("encrypt").put("text", "two")), "msg"));
            assertEquals("three", nodeDecrypts(node, send("three", "msg")));

            // Out of order, with a gap that is filled late, then a duplicate.
            SessionCipher.Encrypted a = encrypt("a");
            SessionCipher.Encrypted b = encrypt("b");
            SessionCipher.Encrypted c = encrypt("c");
            SessionCipher.Encrypted d = encrypt("d");
            assertEquals("c", nodeDecrypts(node, c));
            assertEquals("a", nodeDecrypts(node, a));
            assertEquals("d", nodeDecrypts(node, d));
            assertEquals("b", nodeDecrypts(node, b));
            BaileysJudge.JudgeError duplicate = assertThrows(BaileysJudge.JudgeError.class, () -> nodeDecrypts(node, a));
            // libsignal-node tries every session; each fails with MessageCounterError (logged), the call with this.
            assertTrue(duplicate.getMessage().contains("MessageCounterError")
                    || duplicate.getMessage().contains("No matching sessions"), duplicate.getMessage());

            // Their messages out of order and duplicated: a duplicate is a duplicate, not a Bad MAC.
            JsonNode p = node.ask(node.request("encrypt").put("text", "p"));
            JsonNode q = node.ask(node.request("encrypt").put("text", "q"));
            JsonNode r = node.ask(node.request("encrypt").put("text", "r"));
            assertEquals("r", receive(r, "msg"));
            assertEquals("p", receive(p, "msg"));
            SignalException again = assertThrows(SignalException.class, () -> receive(p, "msg"));
            assertEquals(SignalException.Kind.DUPLICATE, again.kind());
            assertEquals("q", receive(q, "msg"));

            // A new session from a new bundle (no one-time key): a second pkmsg with a new base key.
            record = java.initiate(record, bundleOf(node.ask(node.request("bundle").put("oneTime", false))));
            assertEquals(2, record.getSessionsCount(), "the old session is archived, not lost");
            assertEquals("renewed", nodeDecrypts(node, send("renewed", "pkmsg")));
            assertEquals("after renewal", receive(node.ask(node.request("encrypt").put("text", "after renewal")), "msg"));

            // They start a session from our bundle: our one-time pre-key is used and must be deleted.
            node.ask(node.request("initiate").set("bundle", ourBundle()));
            JsonNode first = node.ask(node.request("encrypt").put("text", "from them"));
            assertEquals("pkmsg", first.path("type").asText());
            SessionCipher.Decrypted opened = java.decryptPreKey(record, preKeys(), UNB64.decode(first.path("body").asText()));
            assertEquals("from them", new String(opened.plaintext(), StandardCharsets.UTF_8));
            assertEquals(1, opened.usedPreKeyId());
            record = opened.record();
            assertEquals("reply", nodeDecrypts(node, send("reply", "msg")));
            assertEquals("and on", receive(node.ask(node.request("encrypt").put("text", "and on")), "msg"));
        }
    }

    private SessionCipher.Encrypted encrypt(String text) throws SignalException {
        SessionCipher.Encrypted out = java.encrypt(record, text.getBytes(StandardCharsets.UTF_8));
        record = out.record();
        return out;
    }

    private SessionCipher.Encrypted send(String text, String expectedType) throws SignalException {
        SessionCipher.Encrypted out = encrypt(text);
        assertEquals(expectedType, out.type());
        return out;
    }

    private static String nodeDecrypts(SignalJudge node, SessionCipher.Encrypted message) throws Exception {
        return node.ask(node.request("decrypt").put("type", message.type())
                .put("body", B64.encodeToString(message.ciphertext()))).path("text").asText();
    }

    private String receive(JsonNode message, String expectedType) throws SignalException {
        assertEquals(expectedType, message.path("type").asText());
        byte[] body = UNB64.decode(message.path("body").asText());
        SessionCipher.Decrypted out = "pkmsg".equals(expectedType) ? java.decryptPreKey(record, preKeys(), body)
                : java.decrypt(record, body);
        record = out.record();
        return new String(out.plaintext(), StandardCharsets.UTF_8);
    }

    private static PreKeyBundle bundleOf(JsonNode b) {
        return new PreKeyBundle(b.path("registrationId").asInt(), UNB64.decode(b.path("identityKey").asText()),
                b.path("signedPreKeyId").asInt(), UNB64.decode(b.path("signedPreKey").asText()),
                UNB64.decode(b.path("signature").asText()), b.has("preKeyId") ? b.path("preKeyId").asInt() : null,
                b.has("preKey") ? UNB64.decode(b.path("preKey").asText()) : null);
    }

    private ObjectNode ourBundle() {
        return BaileysJudge.json().createObjectNode().put("registrationId", 4321)
                .put("identityKey", B64.encodeToString(identity.publicKey()))
                .put("signedPreKeyId", 1).put("signedPreKey", B64.encodeToString(signedPreKey.publicKey()))
                .put("signature", B64.encodeToString(XEdDsa.sign(identity.privateKey(), SignalKeys.typed(signedPreKey.publicKey()))))
                .put("preKeyId", 1).put("preKey", B64.encodeToString(oneTime.get(1).publicKey()));
    }

    private PreKeySource preKeys() {
        return SessionCipherVectorsTest.keys(oneTime, Map.of(1, signedPreKey));
    }
}
