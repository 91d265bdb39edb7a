package io.switchboard.protocol.client;

import io.switchboard.protocol.crypto.AesGcm;
import io.switchboard.protocol.crypto.Bytes;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.Hkdf;
import io.switchboard.protocol.crypto.KeyPair;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The companion's half of linking with a phone-number code: an 8-character code typed on the
 * phone keys (PBKDF2) the exchange of two ephemeral keys; from them and both identities the
 * companion derives the advertising secret the phone will use for {@code pair-success}.
 */
final class LinkCode {

    /** Base32 without 0, O, I and U, as WhatsApp shows codes. */
    static final String ALPHABET = "123456789ABCDEFGHJKLMNPQRSTVWXYZ";
    static final int ITERATIONS = 2 << 16;
    static final int WRAPPED_SIZE = 32 + 16 + 32;
    private static final byte[] BUNDLE_INFO = "link_code_pairing_key_bundle_encryption_key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ADV_INFO = "adv_secret".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the companion sends back in {@code companion_finish}, and the advertising secret it now uses. */
    record Finish(byte[] wrappedKeyBundle, byte[] advSecret) {
    }

    /** A fresh code and its wrapped ephemeral key, made together off the event loop. */
    record Hello(LinkCode code, byte[] wrapped) {
        static Hello of(LinkCode code) {
            return new Hello(code, code.wrappedEphemeral());
        }
    }

    final String code;
    final KeyPair ephemeral = Curve25519.generateKeyPair();

    private LinkCode(String code) {
        this.code = code;
    }

    static LinkCode fresh() {
        byte[] random = new byte[5];
        RANDOM.nextBytes(random);
        return new LinkCode(encode(random));
    }

    /** 5 bytes → 8 characters, 5 bits each, most significant first. */
    static String encode(byte[] fiveBytes) {
        long value = 0;
        for (byte b : fiveBytes) {
            value = (value << 8) | (b & 0xff);
        }
        StringBuilder out = new StringBuilder(8);
        for (int shift = 35; shift >= 0; shift -= 5) {
            out.append(ALPHABET.charAt((int) ((value >>> shift) & 31)));
        }
        return out.toString();
    }

    /** How the code is shown to a person: ABCD-EFGH. */
    String display() {
        return code.substring(0, 4) + "-" + code.substring(4);
    }

    /** salt(32) ‖ iv(16) ‖ AES-256-CTR(PBKDF2(code, salt), ephemeral public key). */
    byte[] wrappedEphemeral() {
        byte[] salt = random(32);
        byte[] iv = random(16);
        return Bytes.concat(salt, iv, ctr(key(salt), iv, ephemeral.publicKey()));
    }

    /**
     * Unwraps the phone's ephemeral key with the code and derives the key bundle and the new
     * advertising secret. A wrong code cannot be detected here: the phone finds out when the
     * bundle does not decrypt.
     */
    Finish finish(byte[] wrappedPrimaryEphemeral, byte[] primaryIdentity, KeyPair companionIdentity) throws CryptoException {
        if (wrappedPrimaryEphemeral.length != WRAPPED_SIZE || primaryIdentity.length != 32) {
            throw new CryptoException("link-code notification carries keys of the wrong size");
        }
        byte[] salt = Arrays.copyOfRange(wrappedPrimaryEphemeral, 0, 32);
        byte[] iv = Arrays.copyOfRange(wrappedPrimaryEphemeral, 32, 48);
        byte[] primaryEphemeral = ctr(key(salt), iv, Arrays.copyOfRange(wrappedPrimaryEphemeral, 48, 80));
        byte[] ephemeralShared = Curve25519.agree(ephemeral.privateKey(), primaryEphemeral);
        byte[] bundleSalt = random(32);
        byte[] bundleKey = Hkdf.sha256(ephemeralShared, bundleSalt, BUNDLE_INFO, 32);
        byte[] nonce = random(AesGcm.IV_SIZE);
        byte[] secretRandom = random(32);
        byte[] bundle = AesGcm.encrypt(bundleKey, nonce, new byte[0],
                Bytes.concat(companionIdentity.publicKey(), primaryIdentity, secretRandom));
        byte[] identityShared = Curve25519.agree(companionIdentity.privateKey(), primaryIdentity);
        byte[] advSecret = Hkdf.sha256(Bytes.concat(ephemeralShared, identityShared, secretRandom), new byte[0], ADV_INFO, 32);
        return new Finish(Bytes.concat(bundleSalt, nonce, bundle), advSecret);
    }

    private byte[] key(byte[] salt) {
        char[] password = code.toCharArray();
        try {
            SecretKeyFactory factory = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            return factory.generateSecret(new PBEKeySpec(password, salt, ITERATIONS, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static byte[] ctr(byte[] key, byte[] iv, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR unavailable", e);
        }
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
