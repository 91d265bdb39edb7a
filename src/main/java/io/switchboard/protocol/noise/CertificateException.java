package io.switchboard.protocol.noise;

import io.switchboard.protocol.crypto.CryptoException;

/** The server's certificate chain did not verify; the handshake must be aborted. */
public class CertificateException extends CryptoException {

    public CertificateException(String message) {
        super("server certificate rejected: " + message);
    }
}
