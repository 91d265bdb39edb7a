package io.switchboard.protocol.signal;

/**
 * What the server hands out to start a session with one device: its identity, signed pre-key
 * (with the identity's signature over 0x05 ‖ key) and, while any are left, one one-time pre-key.
 * Keys are the bare 32 bytes, as on WhatsApp's nodes.
 *
 * @param preKeyId null when the device has no one-time pre-key left
 */
public record PreKeyBundle(int registrationId, byte[] identityKey, int signedPreKeyId, byte[] signedPreKey,
        byte[] signedPreKeySignature, Integer preKeyId, byte[] preKey) {
}
