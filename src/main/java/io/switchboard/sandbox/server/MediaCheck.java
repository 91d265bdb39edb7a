package io.switchboard.sandbox.server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The phone's own reading of a media message's file, independent of the client's code: the blob
 * the message points at is fetched from the sandbox's media host, and everything the message
 * claims is checked — the blob's SHA-256, the MAC under the keys of the message's type, the
 * decryption, the plaintext's SHA-256 and length. A client that derives keys for the wrong type,
 * forgets the MAC or writes a wrong hash is caught here.
 */
public final class MediaCheck {

    /** What the phone makes of a media message: the file's facts, or the first thing wrong. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Result(String kind, String mimetype, long size, String sha256, String caption, String fileName, Integer width,
            Integer height, Integer seconds, String problem) {
    }

    /** The fields of a media message as the phone read them from the protobuf. */
    record Claimed(String kind, String info, String directPath, String mimetype, byte[] mediaKey, byte[] fileSha256,
            byte[] fileEncSha256, long fileLength, String caption, String fileName, Integer width, Integer height,
            Integer seconds) {

        /** The same file, uploaded again under {@code newPath}. */
        Claimed at(String newPath) {
            return new Claimed(kind, info, newPath, mimetype, mediaKey, fileSha256, fileEncSha256, fileLength, caption, fileName,
                    width, height, seconds);
        }
    }

    /** A file the phone encrypted: the blob to upload and what its message says. */
    record Sealed(byte[] blob, byte[] mediaKey, byte[] fileSha256, byte[] fileEncSha256, long fileLength) {
    }

    private MediaCheck() {
    }

    /** The phone encrypts a file as WhatsApp does, for {@code kind}, under a fresh media key. */
    static Sealed seal(String kind, byte[] plain) {
        try {
            byte[] mediaKey = new byte[32];
            new java.security.SecureRandom().nextBytes(mediaKey);
            byte[] expanded = expand(mediaKey, info(kind));
            byte[] iv = Arrays.copyOfRange(expanded, 0, 16);
            Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Arrays.copyOfRange(expanded, 16, 48), "AES"), new IvParameterSpec(iv));
            byte[] ciphertext = aes.doFinal(plain);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Arrays.copyOfRange(expanded, 48, 80), "HmacSHA256"));
            mac.update(iv);
            byte[] tag = Arrays.copyOf(mac.doFinal(ciphertext), 10);
            byte[] blob = Arrays.copyOf(ciphertext, ciphertext.length + 10);
            System.arraycopy(tag, 0, blob, ciphertext.length, 10);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return new Sealed(blob, mediaKey, sha.digest(plain), MessageDigest.getInstance("SHA-256").digest(blob), plain.length);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] expand(byte[] mediaKey, String info) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(mediaKey, null, info.getBytes(StandardCharsets.UTF_8)));
        byte[] expanded = new byte[112];
        hkdf.generateBytes(expanded, 0, expanded.length);
        return expanded;
    }

    /** The AES-256-GCM key of a media retry for {@code mediaKey}: HKDF-SHA256, info "WhatsApp Media Retry Notification", 32 bytes. */
    static byte[] retryKey(byte[] mediaKey) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(mediaKey, null, "WhatsApp Media Retry Notification".getBytes(StandardCharsets.UTF_8)));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, key.length);
        return key;
    }

    /** AES-256-GCM (128-bit tag appended) with the message id as associated data, as a media retry seals both ways. */
    static byte[] retrySeal(boolean encrypt, byte[] mediaKey, byte[] iv, String messageId, byte[] input)
            throws java.security.GeneralSecurityException {
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, new SecretKeySpec(retryKey(mediaKey), "AES"),
                new javax.crypto.spec.GCMParameterSpec(128, iv));
        gcm.updateAAD(messageId.getBytes(StandardCharsets.UTF_8));
        return gcm.doFinal(input);
    }

    static Result check(MediaHost host, Claimed claimed) {
        String problem = problem(host, claimed);
        return new Result(claimed.kind(), claimed.mimetype(), claimed.fileLength(),
                claimed.fileSha256() == null ? null : Base64.getEncoder().encodeToString(claimed.fileSha256()), claimed.caption(),
                claimed.fileName(), claimed.width(), claimed.height(), claimed.seconds(), problem);
    }

    private static String problem(MediaHost host, Claimed claimed) {
        if (claimed.mediaKey() == null || claimed.mediaKey().length != 32) {
            return "no 32-byte mediaKey";
        }
        if (claimed.directPath() == null || claimed.fileSha256() == null || claimed.fileEncSha256() == null) {
            return "directPath, fileSha256 or fileEncSha256 missing";
        }
        if (claimed.mimetype() == null || claimed.mimetype().isEmpty()) {
            return "no mimetype";
        }
        MediaHost.Blob blob = host.blob(claimed.directPath()).orElse(null);
        if (blob == null) {
            return "no file at directPath " + claimed.directPath();
        }
        try {
            // Streamed: the phone never holds a whole file (a 100 MB document costs a 64 KB buffer).
            long size = Files.size(blob.file());
            if (size < 26) {
                return "the uploaded file is " + size + " bytes: no room for a block and a MAC";
            }
            byte[] expanded = expand(claimed.mediaKey(), claimed.info());
            byte[] iv = Arrays.copyOfRange(expanded, 0, 16);
            MessageDigest blobHash = MessageDigest.getInstance("SHA-256");
            MessageDigest plainHash = MessageDigest.getInstance("SHA-256");
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Arrays.copyOfRange(expanded, 48, 80), "HmacSHA256"));
            mac.update(iv);
            Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
            aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(Arrays.copyOfRange(expanded, 16, 48), "AES"), new IvParameterSpec(iv));
            long body = size - 10;
            long plainLength = 0;
            byte[] tail = new byte[10];
            try (java.io.InputStream in = Files.newInputStream(blob.file())) {
                byte[] buffer = new byte[64 * 1024];
                long left = body;
                while (left > 0) {
                    int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (read < 0) {
                        return "the uploaded file ended early";
                    }
                    left -= read;
                    blobHash.update(buffer, 0, read);
                    mac.update(buffer, 0, read);
                    byte[] plain = aes.update(buffer, 0, read);
                    if (plain != null) {
                        plainHash.update(plain);
                        plainLength += plain.length;
                    }
                }
                if (in.readNBytes(tail, 0, 10) != 10) {
                    return "the uploaded file has no MAC";
                }
                blobHash.update(tail);
            }
            if (!Arrays.equals(blobHash.digest(), claimed.fileEncSha256())) {
                return "fileEncSha256 is not the SHA-256 of the uploaded file";
            }
            if (!MessageDigest.isEqual(Arrays.copyOf(mac.doFinal(), 10), tail)) {
                return "the MAC does not verify under the " + claimed.info();
            }
            byte[] last = aes.doFinal();
            plainHash.update(last);
            plainLength += last.length;
            if (!Arrays.equals(plainHash.digest(), claimed.fileSha256())) {
                return "fileSha256 is not the SHA-256 of the decrypted file";
            }
            if (plainLength != claimed.fileLength()) {
                return "fileLength " + claimed.fileLength() + " but the file is " + plainLength + " bytes";
            }
            return null;
        } catch (java.io.IOException e) {
            return "the file could not be read: " + e.getMessage();
        } catch (java.security.GeneralSecurityException e) {
            return "the file does not decrypt: " + e.getMessage();
        }
    }

    /** The HKDF info of a message kind, as WhatsApp derives it (a sticker's is the image's, a voice note's the audio's). */
    static String info(String kind) {
        return switch (kind) {
            case "image", "sticker" -> "WhatsApp Image Keys";
            case "video" -> "WhatsApp Video Keys";
            case "audio", "voice" -> "WhatsApp Audio Keys";
            default -> "WhatsApp Document Keys";
        };
    }
}
