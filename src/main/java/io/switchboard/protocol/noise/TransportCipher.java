package io.switchboard.protocol.noise;

import io.switchboard.protocol.crypto.AesGcm;
import io.switchboard.protocol.crypto.CryptoException;
import java.util.Arrays;

/**
 * The post-handshake ciphers: AES-256-GCM without associated data, one key and one counter per
 * direction, IV = 8 zero bytes then the counter big-endian. Not thread-safe: owned by one
 * connection and used on its context only.
 */
public final class TransportCipher {

    private final byte[] writeKey;
    private final byte[] readKey;
    private long writeCounter;
    private long readCounter;
    private boolean failed;

    TransportCipher(byte[] writeKey, byte[] readKey) {
        this.writeKey = writeKey;
        this.readKey = readKey;
    }

    public byte[] encrypt(byte[] plaintext) {
        return AesGcm.encrypt(writeKey, iv(nextCounter(writeCounter++)), null, plaintext);
    }

    /** Decrypts the next frame; after one failure every later call fails too. */
    public byte[] decrypt(byte[] ciphertext) throws CryptoException {
        if (failed) {
            throw new CryptoException("transport already failed");
        }
        try {
            return AesGcm.decrypt(readKey, iv(nextCounter(readCounter++)), null, ciphertext);
        } catch (CryptoException e) {
            failed = true;
            throw e;
        }
    }

    public void wipe() {
        Arrays.fill(writeKey, (byte) 0);
        Arrays.fill(readKey, (byte) 0);
        failed = true;
    }

    private static int nextCounter(long counter) {
        if (counter > 0xFFFFFFFFL) {
            throw new IllegalStateException("nonce space exhausted");
        }
        return (int) counter;
    }

    static byte[] iv(int counter) {
        byte[] iv = new byte[AesGcm.IV_SIZE];
        iv[8] = (byte) (counter >>> 24);
        iv[9] = (byte) (counter >>> 16);
        iv[10] = (byte) (counter >>> 8);
        iv[11] = (byte) counter;
        return iv;
    }
}
