package io.switchboard.protocol.client;

import java.time.Instant;

/** A code to type on the phone (Linked devices → Link with phone number) and how long it can be used. */
public record PairingCode(String code, Instant expiresAt) {
}
