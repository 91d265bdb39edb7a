package io.switchboard.protocol.signal;

import io.switchboard.protocol.crypto.Hkdf;
import io.switchboard.protocol.crypto.Hmac;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The key derivations of Signal protocol version 3 as WhatsApp's libsignal does them. */
final class Kdf {

    private static final byte[] ZERO_SALT = new byte[32];
    private static final byte[] TEXT = "WhisperText".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RATCHET = "WhisperRatchet".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE_KEYS = "WhisperMessageKeys".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SEED = {1};
    private static final byte[] NEXT = {2};

    /** A root key and the chain key that comes with it. */
    record RootAndChain(byte[] root, byte[] chain) {
    }

    /** What encrypts and authenticates one message. */
    record MessageKeys(byte[] cipherKey, byte[] macKey, byte[] iv) {
    }

    private Kdf() {
    }

    /** X3DH: 0xFF×32 ‖ the DH outputs → root (and the chain key libsignal-node never uses). */
    static RootAndChain x3dh(byte[] secret) {
        byte[] out = Hkdf.sha256(secret, ZERO_SALT, TEXT, 64);
        return new RootAndChain(Arrays.copyOfRange(out, 0, 32), Arrays.copyOfRange(out, 32, 64));
    }

    /** A DH-ratchet step: HKDF(dh, salt = root, "WhisperRatchet"). */
    static RootAndChain ratchet(byte[] root, byte[] dh) {
        byte[] out = Hkdf.sha256(dh, root, RATCHET, 64);
        return new RootAndChain(Arrays.copyOfRange(out, 0, 32), Arrays.copyOfRange(out, 32, 64));
    }

    static byte[] messageSeed(byte[] chainKey) {
        return Hmac.sha256(chainKey, SEED);
    }

    static byte[] nextChainKey(byte[] chainKey) {
        return Hmac.sha256(chainKey, NEXT);
    }

    static MessageKeys messageKeys(byte[] seed) {
        byte[] out = Hkdf.sha256(seed, ZERO_SALT, MESSAGE_KEYS, 80);
        return new MessageKeys(Arrays.copyOfRange(out, 0, 32), Arrays.copyOfRange(out, 32, 64), Arrays.copyOfRange(out, 64, 80));
    }
}
