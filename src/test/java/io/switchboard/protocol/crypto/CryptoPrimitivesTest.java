package io.switchboard.protocol.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CryptoPrimitivesTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void x25519MatchesRfc7748() throws Exception {
        byte[] alicePrivate = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPublic = HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
                HEX.formatHex(Curve25519.keyPairOf(alicePrivate).publicKey()));
        assertEquals("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
                HEX.formatHex(Curve25519.agree(alicePrivate, bobPublic)));
        assertThrows(CryptoException.class, () -> Curve25519.agree(alicePrivate, new byte[32]));
        assertThrows(CryptoException.class, () -> Curve25519.agree(alicePrivate, new byte[31]));
    }

    @Test
    void hkdfMatchesRfc5869() {
        byte[] okm = Hkdf.sha256(HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                HEX.parseHex("000102030405060708090a0b0c"), HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", HEX.formatHex(okm));
    }

    @Test
    void hmacMatchesRfc4231() {
        byte[] mac = Hmac.sha256("Jefe".getBytes(), "what do ya want for nothing?".getBytes());
        assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", HEX.formatHex(mac));
        assertTrue(Hmac.verifySha256("Jefe".getBytes(), "what do ya want for nothing?".getBytes(), mac));
        mac[0] ^= 1;
        assertFalse(Hmac.verifySha256("Jefe".getBytes(), "what do ya want for nothing?".getBytes(), mac));
    }

    @Test
    void aesGcmRoundTripsAndRejectsTampering() throws Exception {
        byte[] key = new byte[32];
        byte[] iv = new byte[12];
        byte[] sealed = AesGcm.encrypt(key, iv, "aad".getBytes(), "hello".getBytes());
        assertEquals(5 + AesGcm.TAG_SIZE, sealed.length);
        assertArrayEquals("hello".getBytes(), AesGcm.decrypt(key, iv, "aad".getBytes(), sealed));
        assertThrows(CryptoException.class, () -> AesGcm.decrypt(key, iv, "other".getBytes(), sealed));
        sealed[0] ^= 1;
        assertThrows(CryptoException.class, () -> AesGcm.decrypt(key, iv, "aad".getBytes(), sealed));
        assertThrows(CryptoException.class, () -> AesGcm.decrypt(key, iv, null, new byte[3]));
    }

    @Test
    void xeddsaSignsAndVerifies() {
        KeyPair pair = Curve25519.generateKeyPair();
        byte[] message = "pairing details".getBytes();
        byte[] signature = XEdDsa.sign(pair.privateKey(), message);
        assertTrue(XEdDsa.verify(pair.publicKey(), message, signature));
        for (int bit = 0; bit < 512; bit += 37) {
            byte[] tampered = signature.clone();
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            assertFalse(XEdDsa.verify(pair.publicKey(), message, tampered), "bit " + bit);
        }
        assertFalse(XEdDsa.verify(Curve25519.generateKeyPair().publicKey(), message, signature));
        assertFalse(XEdDsa.verify(pair.publicKey(), message, new byte[63]));
    }
}
