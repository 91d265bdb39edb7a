package io.switchboard.protocol.media;

import io.switchboard.protocol.crypto.Hkdf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The keys a media key expands to: HKDF-SHA256 of the 32-byte media key, no salt, info
 * {@code "WhatsApp <Type> Keys"}, 112 bytes = iv (16) ‖ cipher key (32) ‖ MAC key (32) ‖ ref key (32).
 */
public record MediaKeys(byte[] iv, byte[] cipherKey, byte[] macKey, byte[] refKey) {

    public static final int MEDIA_KEY_LENGTH = 32;

    public static MediaKeys derive(byte[] mediaKey, MediaType type) {
        return derive(mediaKey, type.keyInfo());
    }

    public static MediaKeys derive(byte[] mediaKey, String info) {
        if (mediaKey == null || mediaKey.length != MEDIA_KEY_LENGTH) {
            throw new IllegalArgumentException("a media key is 32 bytes");
        }
        byte[] expanded = Hkdf.sha256(mediaKey, null, info.getBytes(StandardCharsets.UTF_8), 112);
        return new MediaKeys(Arrays.copyOfRange(expanded, 0, 16), Arrays.copyOfRange(expanded, 16, 48),
                Arrays.copyOfRange(expanded, 48, 80), Arrays.copyOfRange(expanded, 80, 112));
    }

    /** The AES-256-GCM key of media retry notifications and receipts for this media key. */
    public static byte[] retryKey(byte[] mediaKey) {
        return Hkdf.sha256(mediaKey, null, "WhatsApp Media Retry Notification".getBytes(StandardCharsets.UTF_8), 32);
    }
}
