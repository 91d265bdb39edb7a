package io.switchboard.sandbox.server;

import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import java.security.SecureRandom;

/** A simulated phone's WhatsApp account: its identity key, hidden user id and device counters. */
final class Account {

    private static final SecureRandom RANDOM = new SecureRandom();

    final String phone;
    final KeyPair identity = Curve25519.generateKeyPair();
    final String lidUser;
    /** The phone's own Signal keys (device 0): registration id, signed pre-key and one-time pre-keys it published. */
    final int registrationId = RANDOM.nextInt(16380) + 1;
    final KeyPair signedPreKey = Curve25519.generateKeyPair();
    final byte[] signedPreKeySignature;
    final java.util.Map<Integer, KeyPair> oneTimePreKeys = new java.util.concurrent.ConcurrentHashMap<>();
    static final int PHONE_PRE_KEYS = 50;
    /** The phone itself as a Signal party (device 0). */
    final PhoneParty party = new PhoneParty(this);
    private int nextDevice = 1;
    private int nextKeyIndex = 1;

    Account(String phone) {
        this.phone = phone;
        this.lidUser = String.valueOf(100_000_000_000_000L + (RANDOM.nextLong() & Long.MAX_VALUE) % 800_000_000_000_000L);
        byte[] typed = new byte[33];
        typed[0] = 5;
        System.arraycopy(signedPreKey.publicKey(), 0, typed, 1, 32);
        this.signedPreKeySignature = io.switchboard.protocol.crypto.XEdDsa.sign(identity.privateKey(), typed);
        for (int id = 1; id <= PHONE_PRE_KEYS; id++) {
            oneTimePreKeys.put(id, Curve25519.generateKeyPair());
        }
    }

    synchronized int allocateDevice() {
        return nextDevice++;
    }

    /** The phone's keys as WhatsApp's directory holds them. */
    KeyDirectory.DeviceKeys published() {
        KeyDirectory.DeviceKeys keys = new KeyDirectory.DeviceKeys(registrationId, identity.publicKey(), new byte[] {0, 0, 1},
                signedPreKey.publicKey(), signedPreKeySignature);
        return keys;
    }

    java.util.List<KeyDirectory.PreKey> publishedOneTime() {
        java.util.List<KeyDirectory.PreKey> keys = new java.util.ArrayList<>();
        oneTimePreKeys.forEach((id, pair) -> keys.add(new KeyDirectory.PreKey(new byte[] {0, (byte) (id >> 8), (byte) (int) id},
                pair.publicKey())));
        return keys;
    }

    synchronized int allocateKeyIndex() {
        return nextKeyIndex++;
    }
}
