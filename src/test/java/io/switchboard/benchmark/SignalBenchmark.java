package io.switchboard.benchmark;

import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.switchboard.protocol.signal.LocalIdentity;
import io.switchboard.protocol.signal.PreKeyBundle;
import io.switchboard.protocol.signal.SessionCipher;
import io.switchboard.protocol.signal.SessionCipherVectorsTest;
import io.switchboard.protocol.signal.SignalKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints Signal encrypt and decrypt throughput on one core (one thread), in a one-way run of a
 * chain and in a ping-pong that ratchets on every message, with the record serialized and read
 * back each time as a store would. Run with {@code bin/bench}; asserts nothing about speed.
 */
@Tag("benchmark")
class SignalBenchmark {

    private static final int MESSAGES = 20_000;
    private static final byte[] TEXT = new byte[120];

    @Test
    void signalThroughputOnOneCore() throws Exception {
        KeyPair bobIdentity = Curve25519.generateKeyPair();
        KeyPair bobSigned = Curve25519.generateKeyPair();
        SessionCipher alice = new SessionCipher(new LocalIdentity(Curve25519.generateKeyPair(), 1));
        SessionCipher bob = new SessionCipher(new LocalIdentity(bobIdentity, 2));
        PreKeyBundle bundle = new PreKeyBundle(2, bobIdentity.publicKey(), 1, bobSigned.publicKey(),
                XEdDsa.sign(bobIdentity.privateKey(), SignalKeys.typed(bobSigned.publicKey())), null, null);
        for (int round = 0; round < 3; round++) {
            SignalSessionRecord a = alice.initiate(SignalSessionRecord.getDefaultInstance(), bundle);
            SessionCipher.Encrypted hello = alice.encrypt(a, TEXT);
            a = hello.record();
            SessionCipher.Decrypted opened = bob.decryptPreKey(SignalSessionRecord.getDefaultInstance(),
                    SessionCipherVectorsTest.keys(Map.of(), Map.of(1, bobSigned)), hello.ciphertext());
            SignalSessionRecord b = opened.record();
            SessionCipher.Encrypted answer = bob.encrypt(b, TEXT);
            b = answer.record();
            a = alice.decrypt(a, answer.ciphertext()).record();
            // One way: a chain of messages (no DH ratchet step between them).
            List<byte[]> sent = new ArrayList<>(MESSAGES);
            long start = System.nanoTime();
            for (int i = 0; i < MESSAGES; i++) {
                SessionCipher.Encrypted out = alice.encrypt(a, TEXT);
                a = SignalSessionRecord.parseFrom(out.record().toByteArray());
                sent.add(out.ciphertext());
            }
            long encrypted = System.nanoTime() - start;
            start = System.nanoTime();
            for (byte[] message : sent) {
                b = SignalSessionRecord.parseFrom(bob.decrypt(b, message).record().toByteArray());
            }
            long decrypted = System.nanoTime() - start;
            // Ping-pong: every message carries a new ratchet key (two X25519 per received message).
            int pingPong = MESSAGES / 4;
            start = System.nanoTime();
            for (int i = 0; i < pingPong; i++) {
                SessionCipher.Encrypted toA = bob.encrypt(b, TEXT);
                b = toA.record();
                a = alice.decrypt(a, toA.ciphertext()).record();
                SessionCipher.Encrypted toB = alice.encrypt(a, TEXT);
                a = toB.record();
                b = bob.decrypt(b, toB.ciphertext()).record();
            }
            long ratcheting = System.nanoTime() - start;
            System.out.printf("signal round %d: encrypt %,.0f msg/s, decrypt %,.0f msg/s (one chain, record stored each time);"
                    + " ping-pong %,.0f msg/s (a DH ratchet step per message); record %d bytes%n", round,
                    MESSAGES / (encrypted / 1e9), MESSAGES / (decrypted / 1e9), 2.0 * pingPong / (ratcheting / 1e9),
                    b.getSerializedSize());
        }
    }
}
