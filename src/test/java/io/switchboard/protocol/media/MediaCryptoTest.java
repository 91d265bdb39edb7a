package io.switchboard.protocol.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Known answers from the facts file (§4.9) and round trips in uneven chunks, with every corruption refused. */
class MediaCryptoTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] KEY = HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    @Test
    void keysPerTypeMatchTheKnownAnswers() {
        MediaKeys image = MediaKeys.derive(KEY, MediaType.IMAGE);
        assertEquals("aa6a127218397cbd2383e4ccf7176a79", HEX.formatHex(image.iv()));
        assertEquals("008c9aea9b7c5d81eb56b3f530f87d42dcc92d27b11ad6b5bd66f0560d0d8c46", HEX.formatHex(image.cipherKey()));
        assertEquals("91d09ffec108833c1699574c52657923fb6e3e161d9698bc6b3a05fbc508a515", HEX.formatHex(image.macKey()));
        assertEquals("4d4981725e9eb39838fcff2130508f1360cbb319f99cef163d57ab7c050a667e", HEX.formatHex(image.refKey()));
        assertEquals("f1dee5782cc4e2e7b07233b1e25de59b", HEX.formatHex(MediaKeys.derive(KEY, MediaType.VIDEO).iv()));
        assertEquals("13f8935709c20e2e8b0680f81b0dd5fb", HEX.formatHex(MediaKeys.derive(KEY, MediaType.AUDIO).iv()));
        assertEquals("25e9d370804de0bb33ea5db79453db66", HEX.formatHex(MediaKeys.derive(KEY, MediaType.DOCUMENT).iv()));
        assertEquals("94a393dafdca1265c99e197425de98f15f7d87d34714ea901f7eefc29c99e5ac",
                HEX.formatHex(MediaKeys.derive(KEY, MediaType.DOCUMENT).macKey()));
        // The traps: a sticker takes the image keys, a voice note the audio keys.
        assertArrayEquals(image.cipherKey(), MediaKeys.derive(KEY, MediaType.STICKER).cipherKey());
        assertArrayEquals(MediaKeys.derive(KEY, MediaType.AUDIO).macKey(), MediaKeys.derive(KEY, MediaType.VOICE).macKey());
        assertEquals("c84dfe50a708e0ec382a7ad2ba40135256f41b652cebe2129661d27871111cb2", HEX.formatHex(MediaKeys.retryKey(KEY)));
    }

    @Test
    void imageVectorEncryptsToTheKnownBlobAndHashes() throws Exception {
        byte[] plain = "Switchboard media test vector\n".getBytes(StandardCharsets.UTF_8);
        MediaEncryptor encryptor = new MediaEncryptor(MediaKeys.derive(KEY, MediaType.IMAGE));
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        blob.write(encryptor.update(plain, 0, 7));
        blob.write(encryptor.update(plain, 7, plain.length - 7));
        blob.write(encryptor.finish());
        assertEquals("aeae21958552caad383d47a79218a048ad046385b246282269a89ce3cb4ceb3b2095a38aff174866bb20",
                HEX.formatHex(blob.toByteArray()));
        MediaEncryptor.Sealed sealed = encryptor.sealed();
        assertEquals("NMImrMRapxu3F/3UKRVl8IGHhhnOQ06DFZ1FSZuxWwA=", Base64.getEncoder().encodeToString(sealed.fileSha256()));
        assertEquals("btRxiXkqur4Fuw/u+DqPkFaN3uupPuomj94ox6LMcS4=", Base64.getEncoder().encodeToString(sealed.fileEncSha256()));
        assertEquals("btRxiXkqur4Fuw_u-DqPkFaN3uupPuomj94ox6LMcS4", MediaUpload.token(sealed.fileEncSha256()));
        assertEquals(30, sealed.fileLength());
        assertEquals(MediaEncryptor.blobLength(30), sealed.blobLength());
        assertArrayEquals(plain, decrypt(blob.toByteArray(), MediaType.IMAGE, sealed, 5));
    }

    @Test
    void roundTripsInUnevenChunksAndRefusesEveryCorruption() throws Exception {
        Random random = new Random(7);
        for (int size : new int[] {0, 1, 15, 16, 17, 4095, 100_003}) {
            byte[] plain = new byte[size];
            random.nextBytes(plain);
            byte[] mediaKey = new byte[32];
            random.nextBytes(mediaKey);
            MediaEncryptor encryptor = new MediaEncryptor(MediaKeys.derive(mediaKey, MediaType.DOCUMENT));
            ByteArrayOutputStream blob = new ByteArrayOutputStream();
            for (int at = 0; at < size; at += 1 + at % 977) {
                int n = Math.min(size - at, 1 + at % 977);
                blob.write(encryptor.update(plain, at, n));
            }
            blob.write(encryptor.finish());
            byte[] bytes = blob.toByteArray();
            MediaEncryptor.Sealed sealed = encryptor.sealed();
            assertEquals(MediaEncryptor.blobLength(size), bytes.length);
            byte[] back = decrypt(mediaKey, bytes, MediaType.DOCUMENT, sealed, 333);
            assertArrayEquals(plain, back, "size " + size);
            for (int at : new int[] {0, bytes.length / 2, bytes.length - 1}) {
                byte[] flipped = bytes.clone();
                flipped[at] ^= 1;
                assertThrows(MediaDecryptor.CorruptMediaException.class,
                        () -> decrypt(mediaKey, flipped, MediaType.DOCUMENT, sealed, 64), "flipped byte " + at);
            }
            byte[] noMac = java.util.Arrays.copyOf(bytes, bytes.length - 10);
            assertThrows(MediaDecryptor.CorruptMediaException.class, () -> decrypt(mediaKey, noMac, MediaType.DOCUMENT, null, 64));
            // The wrong keys (an image's for a document) never verify.
            assertThrows(MediaDecryptor.CorruptMediaException.class, () -> decrypt(mediaKey, bytes, MediaType.IMAGE, sealed, 64));
        }
    }

    private static byte[] decrypt(byte[] blob, MediaType type, MediaEncryptor.Sealed sealed, int chunk) throws Exception {
        return decrypt(KEY, blob, type, sealed, chunk);
    }

    static byte[] decrypt(byte[] mediaKey, byte[] blob, MediaType type, MediaEncryptor.Sealed sealed, int chunk) throws Exception {
        MediaKeys keys = MediaKeys.derive(mediaKey, type);
        MediaDecryptor.Verifier verifier = new MediaDecryptor.Verifier(keys);
        for (int at = 0; at < blob.length; at += chunk) {
            verifier.update(blob, at, Math.min(chunk, blob.length - at));
        }
        verifier.finish(sealed == null ? null : sealed.fileEncSha256());
        MediaDecryptor.Decryption decryption = new MediaDecryptor.Decryption(keys);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long ciphertext = verifier.ciphertextLength();
        for (int at = 0; at < ciphertext; at += chunk) {
            out.write(decryption.update(blob, at, (int) Math.min(chunk, ciphertext - at)));
        }
        out.write(decryption.finish(sealed == null ? null : sealed.fileSha256()));
        return out.toByteArray();
    }
}
