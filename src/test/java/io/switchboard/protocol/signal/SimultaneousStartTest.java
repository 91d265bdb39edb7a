package io.switchboard.protocol.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.SignalSessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Both sides start a session at the same moment (each from the other's bundle) and keep talking. */
class SimultaneousStartTest {

    @Test
    void bothSidesInitiatingAtOnceStillUnderstandEachOther() throws Exception {
        KeyPair aliceIdentity = Curve25519.generateKeyPair();
        KeyPair bobIdentity = Curve25519.generateKeyPair();
        KeyPair aliceSigned = Curve25519.generateKeyPair();
        KeyPair bobSigned = Curve25519.generateKeyPair();
        SessionCipher alice = new SessionCipher(new LocalIdentity(aliceIdentity, 1));
        SessionCipher bob = new SessionCipher(new LocalIdentity(bobIdentity, 2));
        PreKeySource aliceKeys = PreKeySource.of(Map.of(), Map.of(1, aliceSigned));
        PreKeySource bobKeys = PreKeySource.of(Map.of(), Map.of(1, bobSigned));
        SignalSessionRecord a = alice.initiate(SignalSessionRecord.getDefaultInstance(), new PreKeyBundle(2, bobIdentity.publicKey(), 1,
                bobSigned.publicKey(), XEdDsa.sign(bobIdentity.privateKey(), SignalKeys.typed(bobSigned.publicKey())), null, null));
        SignalSessionRecord b = bob.initiate(SignalSessionRecord.getDefaultInstance(), new PreKeyBundle(1, aliceIdentity.publicKey(), 1,
                aliceSigned.publicKey(), XEdDsa.sign(aliceIdentity.privateKey(), SignalKeys.typed(aliceSigned.publicKey())), null, null));
        SessionCipher.Encrypted fromAlice = alice.encrypt(a, text("a0"));
        a = fromAlice.record();
        SessionCipher.Encrypted fromBob = bob.encrypt(b, text("b0"));
        b = fromBob.record();
        // Each receives the other's pkmsg after having started its own.
        SessionCipher.Decrypted atBob = bob.decryptPreKey(b, bobKeys, fromAlice.ciphertext());
        b = atBob.record();
        SessionCipher.Decrypted atAlice = alice.decryptPreKey(a, aliceKeys, fromBob.ciphertext());
        a = atAlice.record();
        for (int i = 1; i < 20; i++) {
            SessionCipher.Encrypted x = alice.encrypt(a, text("a" + i));
            a = x.record();
            SessionCipher.Encrypted y = bob.encrypt(b, text("b" + i));
            b = y.record();
            SessionCipher.Decrypted gotX = "pkmsg".equals(x.type()) ? bob.decryptPreKey(b, bobKeys, x.ciphertext())
                    : bob.decrypt(b, x.ciphertext());
            b = gotX.record();
            assertEquals("a" + i, new String(gotX.plaintext(), StandardCharsets.UTF_8));
            SessionCipher.Decrypted gotY = "pkmsg".equals(y.type()) ? alice.decryptPreKey(a, aliceKeys, y.ciphertext())
                    : alice.decrypt(a, y.ciphertext());
            a = gotY.record();
            assertEquals("b" + i, new String(gotY.plaintext(), StandardCharsets.UTF_8));
        }
    }

    private static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
