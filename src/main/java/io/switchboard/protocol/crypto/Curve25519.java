package io.switchboard.protocol.crypto;

import java.security.SecureRandom;
import org.bouncycastle.math.ec.rfc7748.X25519;

/** X25519 key generation and agreement (RFC 7748), over BouncyCastle. */
public final class Curve25519 {

    public static final int KEY_SIZE = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Curve25519() {
    }

    public static KeyPair generateKeyPair() {
        byte[] privateKey = new byte[KEY_SIZE];
        X25519.generatePrivateKey(RANDOM, privateKey);
        return keyPairOf(privateKey);
    }

    /** The key pair of a given private key (clamped as X25519 does). */
    public static KeyPair keyPairOf(byte[] privateKey) {
        byte[] clamped = privateKey.clone();
        X25519.clampPrivateKey(clamped);
        byte[] publicKey = new byte[KEY_SIZE];
        X25519.generatePublicKey(clamped, 0, publicKey, 0);
        return new KeyPair(publicKey, clamped);
    }

    /**
     * The shared secret of {@code privateKey} and {@code publicKey}.
     *
     * @throws CryptoException when the peer key is not 32 bytes or yields the all-zero secret
     *     (a low-order point)
     */
    public static byte[] agree(byte[] privateKey, byte[] publicKey) throws CryptoException {
        if (publicKey == null || publicKey.length != KEY_SIZE) {
            throw new CryptoException("peer public key must be 32 bytes");
        }
        byte[] shared = new byte[KEY_SIZE];
        if (!X25519.calculateAgreement(privateKey, 0, publicKey, 0, shared, 0)) {
            throw new CryptoException("peer public key is a low-order point");
        }
        return shared;
    }
}
