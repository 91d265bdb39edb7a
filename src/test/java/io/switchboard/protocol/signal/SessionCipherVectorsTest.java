package io.switchboard.protocol.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.protocol.crypto.Bytes;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.SignalSessionRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Published vectors (libsignal's chain-key and X3DH tests) and a full pkmsg/msg exchange made
 * with libsignal-node 2.0.1 from fixed keys (MESSAGING-FACTS §3): our Alice must produce the same
 * bytes, our Bob must decrypt them and answer with the same bytes.
 */
public class SessionCipherVectorsTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void chainKeyDerivation() {
        byte[] chainKey = HEX.parseHex("8ab72d6f4cc5ac0d387eaf463378ddb28edd07385b1cb01250c715982e7ad48f");
        Kdf.MessageKeys keys = Kdf.messageKeys(Kdf.messageSeed(chainKey));
        assertEquals("bf51e9d75e0e31031051f82a2491ffc084fa298b7793bd9db620056febf45217", HEX.formatHex(keys.cipherKey()));
        assertEquals("c6c77d6a73a354337a56435e34607dfe48e3ace14e77314dc6abc172e7a7030b", HEX.formatHex(keys.macKey()));
        assertEquals("afa8207986b692a116d4b40bbff72d6c", HEX.formatHex(keys.iv()));
        assertEquals("28e8f8fee54b801eef7c5cfb2f17f32c7b334485bbb70fac6ec10342a246d15d", HEX.formatHex(Kdf.nextChainKey(chainKey)));
    }

    @Test
    void x3dhAsBob() throws Exception {
        KeyPair bobIdentity = Curve25519.keyPairOf(HEX.parseHex("4875cc69ddf8ea0719ec947d61081135868d5fd801f02c0225e516df2156605e"));
        KeyPair bobSignedPreKey = Curve25519.keyPairOf(HEX.parseHex("583900131fb727998b7803fe6ac22cc591f342e4e42a8c8d5d78194209b8d253"));
        assertEquals("f1f43874f6966956c2dd473f8fa15adeb71d1cb991b2341692324cefb1c5e626", HEX.formatHex(bobIdentity.publicKey()));
        byte[] aliceIdentity = SignalKeys.untyped(HEX.parseHex("05b4a8455660ada65b401007f615e654041746432e3339c6875149bceefcb42b4a"));
        byte[] aliceBase = SignalKeys.untyped(HEX.parseHex("05472d1fb1a9862c3af6beaca8920277e2b26f4a79213ec7c906aeb35e03cf8950"));
        byte[] ff = new byte[32];
        Arrays.fill(ff, (byte) 0xff);
        byte[] secret = Bytes.concat(ff, Curve25519.agree(bobSignedPreKey.privateKey(), aliceIdentity),
                Curve25519.agree(bobIdentity.privateKey(), aliceBase), Curve25519.agree(bobSignedPreKey.privateKey(), aliceBase));
        Kdf.RootAndChain derived = Kdf.x3dh(secret);
        assertEquals("3e6130d0a8c8e5b8ad65eb8b7d95fa3ab84710d48d92f34dcda43f9909261bca", HEX.formatHex(derived.root()));
        assertEquals("9797caca53c989bbe229a40ca7727010eb2604fc14945d77958a0aeda088b44d", HEX.formatHex(derived.chain()));
    }

    @Test
    void theLibsignalNodeExchangeByteForByte() throws Exception {
        KeyPair aliceIdentity = fixed(0xC0);
        KeyPair bobIdentity = fixed(0xD0);
        KeyPair bobSigned = fixed(0xA0);
        KeyPair bobOneTime = fixed(0xB0);
        assertEquals("1c78fc71ef01855f670c555c82226397f0e73b0aaf443a491d4110dc22f28236", HEX.formatHex(aliceIdentity.publicKey()));
        SessionCipher alice = new SessionCipher(new LocalIdentity(aliceIdentity, 1234), sequence(0x11, 0x22, 0x44), () -> 1L);
        SessionCipher bob = new SessionCipher(new LocalIdentity(bobIdentity, 5678), sequence(0x33), () -> 1L);
        PreKeyBundle bundle = new PreKeyBundle(5678, bobIdentity.publicKey(), 1, bobSigned.publicKey(),
                XEdDsa.sign(bobIdentity.privateKey(), SignalKeys.typed(bobSigned.publicKey())), 7, bobOneTime.publicKey());

        SignalSessionRecord aliceRecord = alice.initiate(SignalSessionRecord.getDefaultInstance(), bundle);
        SessionCipher.Encrypted hello = alice.encrypt(aliceRecord, "hello".getBytes(StandardCharsets.UTF_8));
        assertEquals("pkmsg", hello.type());
        assertEquals("3308071221057b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f131a21051c78fc71ef01855f670c555c"
                + "82226397f0e73b0aaf443a491d4110dc22f282362242330a21050faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678"
                + "570f20100018002210c358a0556d64798c189e22e056b1ff85fc3e712c41bfdf3c28d2093001", HEX.formatHex(hello.ciphertext()));

        PreKeySource bobKeys = keys(Map.of(7, bobOneTime), Map.of(1, bobSigned));
        SessionCipher.Decrypted received = bob.decryptPreKey(SignalSessionRecord.getDefaultInstance(), bobKeys, hello.ciphertext());
        assertEquals("hello", new String(received.plaintext(), StandardCharsets.UTF_8));
        assertEquals(7, received.usedPreKeyId());

        SessionCipher.Encrypted hi = bob.encrypt(received.record(), "hi".getBytes(StandardCharsets.UTF_8));
        assertEquals("msg", hi.type());
        assertEquals("330a21057b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b14100018002210d984e9ec4a5325cea993"
                + "f9e4bd10c5faf801bd724e21b793", HEX.formatHex(hi.ciphertext()));

        SessionCipher.Decrypted answer = alice.decrypt(hello.record(), hi.ciphertext());
        assertEquals("hi", new String(answer.plaintext(), StandardCharsets.UTF_8));
        SignalException again = assertThrows(SignalException.class, () -> alice.decrypt(answer.record(), hi.ciphertext()));
        assertEquals(SignalException.Kind.DUPLICATE, again.kind());
        // After the answer Alice sends msg, no longer pkmsg.
        assertEquals("msg", alice.encrypt(answer.record(), new byte[] {1}).type());
    }

    static KeyPair fixed(int fill) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) fill);
        return Curve25519.keyPairOf(key);
    }

    static java.util.function.Supplier<KeyPair> sequence(int... fills) {
        ArrayDeque<KeyPair> queue = new ArrayDeque<>();
        for (int fill : fills) {
            queue.add(fixed(fill));
        }
        return () -> queue.isEmpty() ? Curve25519.generateKeyPair() : queue.poll();
    }

    /** Pre-keys held in maps (tests). */
    public static PreKeySource keys(Map<Integer, KeyPair> oneTime, Map<Integer, KeyPair> signed) {
        return PreKeySource.of(oneTime, signed);
    }

}
