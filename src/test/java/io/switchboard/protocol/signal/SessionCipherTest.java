package io.switchboard.protocol.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.SignalSessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Our sessions against themselves: long conversations, failures that leave the stored state as it was, bounds. */
class SessionCipherTest {

    private final KeyPair bobIdentity = Curve25519.generateKeyPair();
    private final KeyPair bobSigned = Curve25519.generateKeyPair();
    private final KeyPair bobOneTime = Curve25519.generateKeyPair();
    private final SessionCipher alice = new SessionCipher(new LocalIdentity(Curve25519.generateKeyPair(), 11));
    private final SessionCipher bob = new SessionCipher(new LocalIdentity(bobIdentity, 22));
    private final PreKeySource bobKeys = SessionCipherVectorsTest.keys(Map.of(3, bobOneTime), Map.of(9, bobSigned));

    private PreKeyBundle bundle() {
        return new PreKeyBundle(22, bobIdentity.publicKey(), 9, bobSigned.publicKey(),
                XEdDsa.sign(bobIdentity.privateKey(), SignalKeys.typed(bobSigned.publicKey())), 3, bobOneTime.publicKey());
    }

    @Test
    void aLongShuffledConversationSurvivesStorageBetweenEveryMessage() throws Exception {
        Random random = new Random(7);
        SignalSessionRecord a = alice.initiate(SignalSessionRecord.getDefaultInstance(), bundle());
        SessionCipher.Encrypted first = alice.encrypt(a, bytes("hello"));
        a = first.record();
        SessionCipher.Decrypted opened = bob.decryptPreKey(SignalSessionRecord.getDefaultInstance(), bobKeys, first.ciphertext());
        SignalSessionRecord b = opened.record();
        for (int round = 0; round < 30; round++) {
            boolean fromAlice = random.nextBoolean();
            int burst = 1 + random.nextInt(5);
            List<SessionCipher.Encrypted> sent = new ArrayList<>();
            for (int i = 0; i < burst; i++) {
                SessionCipher.Encrypted out = (fromAlice ? alice : bob).encrypt(fromAlice ? a : b, bytes(round + "/" + i));
                sent.add(out);
                if (fromAlice) {
                    a = SignalSessionRecord.parseFrom(out.record().toByteArray());
                } else {
                    b = SignalSessionRecord.parseFrom(out.record().toByteArray());
                }
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < burst; i++) {
                order.add(i);
            }
            Collections.shuffle(order, random);
            for (int i : order) {
                SessionCipher.Encrypted message = sent.get(i);
                SessionCipher receiver = fromAlice ? bob : alice;
                SignalSessionRecord record = fromAlice ? b : a;
                SessionCipher.Decrypted in = "pkmsg".equals(message.type())
                        ? receiver.decryptPreKey(record, bobKeys, message.ciphertext()) : receiver.decrypt(record, message.ciphertext());
                assertEquals(round + "/" + i, new String(in.plaintext(), StandardCharsets.UTF_8));
                if (fromAlice) {
                    b = SignalSessionRecord.parseFrom(in.record().toByteArray());
                } else {
                    a = SignalSessionRecord.parseFrom(in.record().toByteArray());
                }
            }
        }
    }

    @Test
    void aCorruptedMessageFailsAndLeavesNothingChanged() throws Exception {
        SignalSessionRecord a = alice.initiate(SignalSessionRecord.getDefaultInstance(), bundle());
        SessionCipher.Encrypted hello = alice.encrypt(a, bytes("hello"));
        SessionCipher.Decrypted opened = bob.decryptPreKey(SignalSessionRecord.getDefaultInstance(), bobKeys, hello.ciphertext());
        SessionCipher.Encrypted reply = bob.encrypt(opened.record(), bytes("reply"));
        byte[] corrupted = reply.ciphertext().clone();
        corrupted[corrupted.length - 12] ^= 1;
        SignalSessionRecord before = hello.record();
        SignalException bad = assertThrows(SignalException.class, () -> alice.decrypt(before, corrupted));
        assertEquals(SignalException.Kind.BAD_MAC, bad.kind());
        // The stored record is what the caller had: the genuine message still decrypts with it.
        assertEquals("reply", new String(alice.decrypt(before, reply.ciphertext()).plaintext(), StandardCharsets.UTF_8));
    }

    @Test
    void boundsAndRefusals() throws Exception {
        SignalSessionRecord a = alice.initiate(SignalSessionRecord.getDefaultInstance(), bundle());
        SessionCipher.Encrypted hello = alice.encrypt(a, bytes("hello"));
        SessionCipher.Decrypted opened = bob.decryptPreKey(SignalSessionRecord.getDefaultInstance(), bobKeys, hello.ciphertext());
        SignalSessionRecord b = opened.record();
        SessionCipher.Encrypted last = null;
        for (int i = 0; i <= SessionCipher.MAX_SKIP + 1; i++) {
            last = bob.encrypt(b, bytes("n" + i));
            b = last.record();
        }
        byte[] tooFar = last.ciphertext();
        SignalException ahead = assertThrows(SignalException.class, () -> alice.decrypt(hello.record(), tooFar));
        assertEquals(SignalException.Kind.TOO_FAR_AHEAD, ahead.kind());

        PreKeySource empty = SessionCipherVectorsTest.keys(Map.of(), Map.of(9, bobSigned));
        SignalException unknown = assertThrows(SignalException.class,
                () -> bob.decryptPreKey(SignalSessionRecord.getDefaultInstance(), empty, hello.ciphertext()));
        assertEquals(SignalException.Kind.UNKNOWN_PRE_KEY, unknown.kind());

        PreKeyBundle forged = new PreKeyBundle(22, bobIdentity.publicKey(), 9, bobSigned.publicKey(), new byte[64], null, null);
        SignalException unsigned = assertThrows(SignalException.class,
                () -> alice.initiate(SignalSessionRecord.getDefaultInstance(), forged));
        assertEquals(SignalException.Kind.BAD_SIGNATURE, unsigned.kind());

        SignalException none = assertThrows(SignalException.class,
                () -> alice.decrypt(SignalSessionRecord.getDefaultInstance(), hello.ciphertext()));
        assertEquals(SignalException.Kind.NO_SESSION, none.kind());
        SignalException version = assertThrows(SignalException.class, () -> alice.decrypt(a, new byte[] {0x22, 1, 2}));
        assertEquals(SignalException.Kind.INVALID_MESSAGE, version.kind());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
