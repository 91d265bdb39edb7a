package io.switchboard.protocol.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.SignalSessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BurstsTest {

    static final class Party {
        final KeyPair identity = Curve25519.generateKeyPair();
        final KeyPair signed = Curve25519.generateKeyPair();
        final SessionCipher cipher;
        final PreKeySource keys;
        SignalSessionRecord record = SignalSessionRecord.getDefaultInstance();
        final Deque<SessionCipher.Encrypted> inbox = new ArrayDeque<>();
        int sent;
        int received;

        Party(int registration) {
            cipher = new SessionCipher(new LocalIdentity(identity, registration));
            keys = PreKeySource.of(Map.of(), Map.of(1, signed));
        }

        PreKeyBundle bundle(int registration) {
            return new PreKeyBundle(registration, identity.publicKey(), 1, signed.publicKey(),
                    XEdDsa.sign(identity.privateKey(), SignalKeys.typed(signed.publicKey())), null, null);
        }
    }

    @Test
    void burstsBothWaysAfterASimultaneousStart() throws Exception {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            Party a = new Party(1);
            Party b = new Party(2);
            a.record = a.cipher.initiate(a.record, b.bundle(2));
            b.record = b.cipher.initiate(b.record, a.bundle(1));
            for (int step = 0; step < 200; step++) {
                int action = random.nextInt(4);
                Party actor = random.nextBoolean() ? a : b;
                Party other = actor == a ? b : a;
                if (action < 2) {
                    SessionCipher.Encrypted out = actor.cipher.encrypt(actor.record, bytes(actor.sent++));
                    actor.record = out.record();
                    other.inbox.add(out);
                } else if (!actor.inbox.isEmpty()) {
                    SessionCipher.Encrypted in = actor.inbox.poll();
                    SessionCipher.Decrypted got;
                    try {
                        got = "pkmsg".equals(in.type()) ? actor.cipher.decryptPreKey(actor.record, actor.keys, in.ciphertext())
                                : actor.cipher.decrypt(actor.record, in.ciphertext());
                    } catch (SignalException e) {
                        throw new AssertionError("seed " + seed + " step " + step + ": " + e.getMessage(), e);
                    }
                    actor.record = got.record();
                    assertEquals(String.valueOf(actor.received++), new String(got.plaintext(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static byte[] bytes(int n) {
        return String.valueOf(n).getBytes(StandardCharsets.UTF_8);
    }
}
