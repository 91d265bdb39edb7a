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
    private int nextDevice = 1;
    private int nextKeyIndex = 1;

    Account(String phone) {
        this.phone = phone;
        this.lidUser = String.valueOf(100_000_000_000_000L + (RANDOM.nextLong() & Long.MAX_VALUE) % 800_000_000_000_000L);
    }

    synchronized int allocateDevice() {
        return nextDevice++;
    }

    synchronized int allocateKeyIndex() {
        return nextKeyIndex++;
    }
}
