package io.switchboard.protocol.signal;

/** A Signal message that cannot be decrypted or a session that cannot be built, with a kind callers can act on. */
public final class SignalException extends Exception {

    /** Why. */
    public enum Kind {
        /** Not a Signal message of a version we speak, or its fields are malformed. */
        INVALID_MESSAGE,
        /** A key of the wrong size or type. */
        INVALID_KEY,
        /** The MAC does not verify (or the ciphertext does not decrypt) under any session tried. */
        BAD_MAC,
        /** The message key for this counter was used already: a duplicate or a replay (not a Bad MAC). */
        DUPLICATE,
        /** No session with this device (a msg before any pkmsg, or the record was lost). */
        NO_SESSION,
        /** A pkmsg names a one-time or signed pre-key we do not hold. */
        UNKNOWN_PRE_KEY,
        /** The counter is more than {@link SessionCipher#MAX_SKIP} ahead of the chain. */
        TOO_FAR_AHEAD,
        /** A pre-key bundle whose signed pre-key is not signed by its identity key. */
        BAD_SIGNATURE
    }

    private final Kind kind;

    public SignalException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
