package io.switchboard.protocol.noise;

import io.switchboard.protocol.crypto.AesGcm;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.Hkdf;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The symmetric state of a Noise handshake as WhatsApp runs it
 * ({@code Noise_XX_25519_AESGCM_SHA256}): running hash, chaining key, cipher key and one nonce
 * counter for both directions until the split. Used by both sides; wiped on {@link #split} or
 * {@link #wipe}.
 */
public final class NoiseHandshake {

    /** The protocol name padded to 32 bytes, used as-is as the initial hash and chaining key. */
    static final byte[] PROTOCOL_NAME = "Noise_XX_25519_AESGCM_SHA256\0\0\0\0".getBytes(StandardCharsets.US_ASCII);
    private static final int KEY_SIZE = 32;

    private byte[] hash;
    private byte[] chainingKey;
    private byte[] cipherKey;
    private int counter;
    private boolean finished;

    public NoiseHandshake(IntroHeader prologue) {
        hash = PROTOCOL_NAME.clone();
        chainingKey = PROTOCOL_NAME.clone();
        cipherKey = PROTOCOL_NAME.clone();
        mixHash(prologue.bytes());
    }

    public void mixHash(byte[] data) {
        ensureActive();
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(hash);
            digest.update(data);
            hash = digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Mixes a Diffie-Hellman result into the chaining key and starts a new cipher key at nonce 0. */
    public void mixSharedSecret(byte[] privateKey, byte[] publicKey) throws CryptoException {
        mixKey(Curve25519.agree(privateKey, publicKey));
    }

    void mixKey(byte[] inputKeyMaterial) {
        ensureActive();
        byte[] out = Hkdf.sha256(inputKeyMaterial, chainingKey, new byte[0], 2 * KEY_SIZE);
        chainingKey = Arrays.copyOfRange(out, 0, KEY_SIZE);
        cipherKey = Arrays.copyOfRange(out, KEY_SIZE, 2 * KEY_SIZE);
        counter = 0;
        Arrays.fill(out, (byte) 0);
        Arrays.fill(inputKeyMaterial, (byte) 0);
    }

    /** Encrypts with the running hash as associated data, then mixes the ciphertext into it. */
    public byte[] encryptAndHash(byte[] plaintext) {
        ensureActive();
        byte[] ciphertext = AesGcm.encrypt(cipherKey, TransportCipher.iv(counter++), hash, plaintext);
        mixHash(ciphertext);
        return ciphertext;
    }

    public byte[] decryptAndHash(byte[] ciphertext) throws CryptoException {
        ensureActive();
        byte[] plaintext = AesGcm.decrypt(cipherKey, TransportCipher.iv(counter++), hash, ciphertext);
        mixHash(ciphertext);
        return plaintext;
    }

    /**
     * Derives the transport keys and wipes this state. The initiator writes with the first half;
     * the responder with the second.
     */
    public TransportCipher split(boolean initiator) {
        ensureActive();
        byte[] out = Hkdf.sha256(new byte[0], chainingKey, new byte[0], 2 * KEY_SIZE);
        byte[] first = Arrays.copyOfRange(out, 0, KEY_SIZE);
        byte[] second = Arrays.copyOfRange(out, KEY_SIZE, 2 * KEY_SIZE);
        Arrays.fill(out, (byte) 0);
        wipe();
        return initiator ? new TransportCipher(first, second) : new TransportCipher(second, first);
    }

    public void wipe() {
        if (hash != null) {
            Arrays.fill(hash, (byte) 0);
            Arrays.fill(chainingKey, (byte) 0);
            Arrays.fill(cipherKey, (byte) 0);
        }
        finished = true;
    }

    private void ensureActive() {
        if (finished) {
            throw new IllegalStateException("handshake state already split or wiped");
        }
    }
}
