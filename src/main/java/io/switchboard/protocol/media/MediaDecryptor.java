package io.switchboard.protocol.media;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks and decrypts a downloaded blob in the order that never trusts an unchecked byte: its
 * SHA-256 against {@code fileEncSha256} and the 10-byte MAC over iv ‖ ciphertext while it is read
 * ({@link #verify}), then AES-256-CBC decryption with the plaintext's SHA-256 checked at the end
 * ({@link #decrypt}). A caller keeps the blob (a file) between the two passes and hands out no
 * plaintext before both are done.
 */
public final class MediaDecryptor {

    /** A blob that is not what the message describes. */
    public static final class CorruptMediaException extends Exception {
        private static final long serialVersionUID = 1L;

        public CorruptMediaException(String message) {
            super(message);
        }
    }

    private MediaDecryptor() {
    }

    /** First pass: the blob's hash and MAC, fed chunk by chunk. */
    public static final class Verifier {
        private final Mac mac;
        private final MessageDigest hash;
        private final byte[] tail = new byte[MediaEncryptor.MAC_LENGTH];
        private int tailLength;
        private long length;

        public Verifier(MediaKeys keys) {
            try {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(keys.macKey(), "HmacSHA256"));
                mac.update(keys.iv());
                hash = MessageDigest.getInstance("SHA-256");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        public void update(byte[] chunk, int offset, int count) {
            hash.update(chunk, offset, count);
            length += count;
            // Everything but the last 10 bytes seen so far is ciphertext.
            int total = tailLength + count;
            int release = Math.max(0, total - tail.length);
            int fromTail = Math.min(release, tailLength);
            mac.update(tail, 0, fromTail);
            System.arraycopy(tail, fromTail, tail, 0, tailLength - fromTail);
            tailLength -= fromTail;
            int fromChunk = release - fromTail;
            mac.update(chunk, offset, fromChunk);
            System.arraycopy(chunk, offset + fromChunk, tail, tailLength, count - fromChunk);
            tailLength += count - fromChunk;
        }

        /** Throws unless the blob is at least one block and its MAC, hash and size are right. */
        public void finish(byte[] fileEncSha256) throws CorruptMediaException {
            if (length < 16 + tail.length || (length - tail.length) % 16 != 0) {
                throw new CorruptMediaException("the file is " + length + " bytes, not whole AES blocks and a MAC");
            }
            if (fileEncSha256 != null && !MessageDigest.isEqual(hash.digest(), fileEncSha256)) {
                throw new CorruptMediaException("the file's SHA-256 is not the message's fileEncSha256");
            }
            byte[] expected = Arrays.copyOf(mac.doFinal(), tail.length);
            if (!MessageDigest.isEqual(expected, tail)) {
                throw new CorruptMediaException("the file's MAC does not verify");
            }
        }

        /** The ciphertext's length (the blob without its MAC). */
        public long ciphertextLength() {
            return length - tail.length;
        }
    }

    /** Second pass: decryption of the ciphertext (the blob without its last 10 bytes). */
    public static final class Decryption {
        private final Cipher cipher;
        private final MessageDigest hash;
        private long length;

        public Decryption(MediaKeys keys) {
            try {
                cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
                cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(keys.cipherKey(), "AES"), new IvParameterSpec(keys.iv()));
                hash = MessageDigest.getInstance("SHA-256");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        public byte[] update(byte[] ciphertext, int offset, int count) {
            byte[] out = cipher.update(ciphertext, offset, count);
            return seen(out == null ? new byte[0] : out);
        }

        public byte[] finish(byte[] fileSha256) throws CorruptMediaException {
            byte[] out;
            try {
                out = seen(cipher.doFinal());
            } catch (GeneralSecurityException e) {
                throw new CorruptMediaException("the file does not decrypt (padding)");
            }
            if (fileSha256 != null && !MessageDigest.isEqual(hash.digest(), fileSha256)) {
                throw new CorruptMediaException("the decrypted file's SHA-256 is not the message's fileSha256");
            }
            return out;
        }

        public long length() {
            return length;
        }

        private byte[] seen(byte[] plain) {
            hash.update(plain);
            length += plain.length;
            return plain;
        }
    }
}
