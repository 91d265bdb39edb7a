package io.switchboard.protocol.media;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts media as it streams: AES-256-CBC with PKCS#7 padding, then the first 10 bytes of
 * HMAC-SHA256(MAC key, iv ‖ ciphertext). The uploaded blob is ciphertext ‖ MAC; alongside it come
 * SHA-256 of the plaintext ({@code fileSha256}), of the blob ({@code fileEncSha256}) and the
 * plaintext length. Memory is the chunk being passed, never the file.
 */
public final class MediaEncryptor {

    public static final int MAC_LENGTH = 10;

    /** What the message says about the file once it is encrypted. */
    public record Sealed(byte[] fileSha256, byte[] fileEncSha256, long fileLength, long blobLength) {
    }

    private final Cipher cipher;
    private final Mac mac;
    private final MessageDigest plainHash;
    private final MessageDigest blobHash;
    private long plainLength;
    private long blobLength;
    private Sealed sealed;

    public MediaEncryptor(MediaKeys keys) {
        try {
            cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.cipherKey(), "AES"), new IvParameterSpec(keys.iv()));
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keys.macKey(), "HmacSHA256"));
            mac.update(keys.iv());
            plainHash = MessageDigest.getInstance("SHA-256");
            blobHash = MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CBC and HMAC-SHA256 are part of every JDK", e);
        }
    }

    /** The ciphertext for the next chunk of plaintext (possibly empty). */
    public byte[] update(byte[] plain, int offset, int length) {
        if (sealed != null) {
            throw new IllegalStateException("already finished");
        }
        plainHash.update(plain, offset, length);
        plainLength += length;
        byte[] out = cipher.update(plain, offset, length);
        return emit(out == null ? new byte[0] : out);
    }

    /** The last ciphertext block and the MAC; then {@link #sealed()} is known. */
    public byte[] finish() {
        try {
            byte[] last = cipher.doFinal();
            mac.update(last);
            byte[] tag = Arrays.copyOf(mac.doFinal(), MAC_LENGTH);
            byte[] out = new byte[last.length + MAC_LENGTH];
            System.arraycopy(last, 0, out, 0, last.length);
            System.arraycopy(tag, 0, out, last.length, MAC_LENGTH);
            blobHash.update(out);
            blobLength += out.length;
            sealed = new Sealed(plainHash.digest(), blobHash.digest(), plainLength, blobLength);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public Sealed sealed() {
        if (sealed == null) {
            throw new IllegalStateException("not finished");
        }
        return sealed;
    }

    private byte[] emit(byte[] ciphertext) {
        mac.update(ciphertext);
        blobHash.update(ciphertext);
        blobLength += ciphertext.length;
        return ciphertext;
    }

    /** The blob's size for a plaintext of {@code n} bytes: 16·⌊n/16⌋ + 16 + 10. */
    public static long blobLength(long n) {
        return 16 * (n / 16) + 16 + MAC_LENGTH;
    }
}
