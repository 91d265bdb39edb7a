package io.switchboard.session;

import io.switchboard.session.store.SessionStore;
import java.time.Instant;

/** The code to type on the phone (Linked devices → Link with phone number) while linking by code. */
public record PairingCodeView(String code, String phoneNumber, Instant expiresAt) {

    public static PairingCodeView of(SessionStore.LinkCode code) {
        return code == null ? null : new PairingCodeView(code.code(), code.phone(), code.expiresAt());
    }
}
