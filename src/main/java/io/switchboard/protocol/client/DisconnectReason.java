package io.switchboard.protocol.client;

/**
 * Why a connection ended, typed. Codes follow WhatsApp's stream errors and failures; the reasons
 * without a code are the client's own findings. Unlike Baileys, QR refs running out and a lost
 * connection are different reasons.
 */
public enum DisconnectReason {
    LOGGED_OUT(401),
    FORBIDDEN(403),
    CLIENT_OUTDATED(405),
    TIMED_OUT(408),
    CONNECTION_CLOSED(428),
    REPLACED(440),
    BAD_SESSION(500),
    UNAVAILABLE(503),
    RESTART_REQUIRED(515),
    /** The socket died or went silent past the keepalive timeout. */
    CONNECTION_LOST(null),
    /** Every QR ref expired without a scan. */
    QR_REFS_EXHAUSTED(null),
    /** The Noise handshake failed (bad answer, wrong server key). */
    HANDSHAKE_FAILED(null),
    /** The server's certificate chain did not verify against the trust root. */
    CERTIFICATE_REJECTED(null),
    /** A pair-success failed verification (HMAC or account signature). */
    PAIRING_REJECTED(null),
    /** The server sent bytes that are not the protocol. */
    PROTOCOL_ERROR(null),
    /** We closed it ourselves. */
    CLIENT_CLOSED(null);

    private final Integer code;

    DisconnectReason(Integer code) {
        this.code = code;
    }

    public Integer code() {
        return code;
    }

    /** The reason for a stream error or failure code; unknown codes count as a bad session. */
    public static DisconnectReason ofCode(int code) {
        for (DisconnectReason reason : values()) {
            if (reason.code != null && reason.code == code) {
                return reason;
            }
        }
        return BAD_SESSION;
    }
}
