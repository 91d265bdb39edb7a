package io.switchboard.protocol.crypto;

/** A cryptographic check failed (bad key, failed authentication). Carries no key material. */
public class CryptoException extends Exception {

    public CryptoException(String message) {
        super(message);
    }

    public CryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}
