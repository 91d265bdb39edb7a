package io.switchboard.protocol.signal;

import io.switchboard.protocol.crypto.KeyPair;

/** Our side of every session: the identity key pair and the registration id announced with it. */
public record LocalIdentity(KeyPair identityKey, int registrationId) {
}
