package io.switchboard.protocol.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** AES-256-GCM with a 128-bit tag appended to the ciphertext, over the JDK. */
public final class AesGcm {

    public static final int KEY_SIZE = 32;
    public static final int IV_SIZE = 12;
    public static final int TAG_SIZE = 16;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private AesGcm() {
    }

    public static byte[] encrypt(byte[] key, byte[] iv, byte[] associatedData, byte[] plaintext) {
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key, iv, associatedData);
            return cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    public static byte[] decrypt(byte[] key, byte[] iv, byte[] associatedData, byte[] ciphertext)
            throws CryptoException {
        if (ciphertext.length < TAG_SIZE) {
            throw new CryptoException("ciphertext shorter than its tag");
        }
        try {
            return cipher(Cipher.DECRYPT_MODE, key, iv, associatedData).doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw new CryptoException("authentication tag mismatch");
        } catch (GeneralSecurityException e) {
            throw new CryptoException("AES-GCM decryption failed", e);
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] iv, byte[] associatedData)
            throws GeneralSecurityException {
        if (key.length != KEY_SIZE || iv.length != IV_SIZE) {
            throw new IllegalArgumentException("AES-256-GCM needs a 32-byte key and a 12-byte IV");
        }
        Cipher cipher = Cipher.getInstance(TRANSFORMATION);
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_SIZE * 8, iv));
        if (associatedData != null && associatedData.length > 0) {
            cipher.updateAAD(associatedData);
        }
        return cipher;
    }
}
