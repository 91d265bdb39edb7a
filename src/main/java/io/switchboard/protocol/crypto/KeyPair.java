package io.switchboard.protocol.crypto;

import java.util.Arrays;

/** A Curve25519 key pair: 32-byte public key (Montgomery u) and 32-byte private scalar. */
public final class KeyPair {

    private final byte[] publicKey;
    private final byte[] privateKey;

    public KeyPair(byte[] publicKey, byte[] privateKey) {
        if (publicKey.length != Curve25519.KEY_SIZE || privateKey.length != Curve25519.KEY_SIZE) {
            throw new IllegalArgumentException("Curve25519 keys are 32 bytes");
        }
        this.publicKey = publicKey.clone();
        this.privateKey = privateKey.clone();
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    public byte[] privateKey() {
        return privateKey.clone();
    }

    /** Overwrites the private key; for ephemeral keys once the handshake no longer needs them. */
    public void wipe() {
        Arrays.fill(privateKey, (byte) 0);
    }

    /** Never prints key material. */
    @Override
    public String toString() {
        return "KeyPair[public=" + java.util.HexFormat.of().formatHex(publicKey, 0, 4) + "…]";
    }
}
