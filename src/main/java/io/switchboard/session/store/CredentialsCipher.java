package io.switchboard.session.store;

import io.quarkus.runtime.Startup;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.crypto.AesGcm;
import io.switchboard.protocol.crypto.CryptoException;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Encrypts credentials at rest: AES-256-GCM under {@code switchboard.credentials.key}, a fresh
 * nonce per write, the organization id as associated data (a row copied to another organization
 * does not decrypt). Created at start-up so that a missing or malformed key stops the service.
 */
@ApplicationScoped
@Startup
public class CredentialsCipher {

    /** A stored row: nonce, ciphertext and which key sealed it. */
    public record Sealed(byte[] nonce, byte[] ciphertext, String keyId) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;
    private final String keyId;

    CredentialsCipher(@ConfigProperty(name = "switchboard.credentials.key") Optional<String> configuredKey) {
        String encoded = configuredKey.filter(k -> !k.isBlank()).orElseThrow(() -> new IllegalStateException(
                "Refusing to start: switchboard.credentials.key is not set (base64 of 32 random bytes)"));
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(encoded.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("switchboard.credentials.key is not base64");
        }
        if (decoded.length != AesGcm.KEY_SIZE) {
            throw new IllegalStateException("switchboard.credentials.key must decode to 32 bytes, not " + decoded.length);
        }
        this.key = decoded;
        this.keyId = fingerprint(decoded);
    }

    public Sealed seal(UUID organizationId, Credentials credentials) {
        byte[] nonce = new byte[AesGcm.IV_SIZE];
        RANDOM.nextBytes(nonce);
        byte[] plaintext = credentials.toJson().encode().getBytes(StandardCharsets.UTF_8);
        return new Sealed(nonce, AesGcm.encrypt(key, nonce, aad(organizationId), plaintext), keyId);
    }

    public Credentials open(UUID organizationId, Sealed sealed) throws CryptoException {
        if (!keyId.equals(sealed.keyId())) {
            throw new CryptoException("credentials were sealed with another key (" + sealed.keyId() + ")");
        }
        byte[] plaintext = AesGcm.decrypt(key, sealed.nonce(), aad(organizationId), sealed.ciphertext());
        return Credentials.fromJson(new JsonObject(new String(plaintext, StandardCharsets.UTF_8)));
    }

    /** Seals any other secret of the organization (the QR text); {@code purpose} is bound into the associated data. */
    public Sealed sealText(UUID organizationId, String purpose, String text) {
        byte[] nonce = new byte[AesGcm.IV_SIZE];
        RANDOM.nextBytes(nonce);
        return new Sealed(nonce, AesGcm.encrypt(key, nonce, aad(organizationId, purpose),
                text.getBytes(StandardCharsets.UTF_8)), keyId);
    }

    public String openText(UUID organizationId, String purpose, Sealed sealed) throws CryptoException {
        if (!keyId.equals(sealed.keyId())) {
            throw new CryptoException(purpose + " was sealed with another key (" + sealed.keyId() + ")");
        }
        return new String(AesGcm.decrypt(key, sealed.nonce(), aad(organizationId, purpose), sealed.ciphertext()),
                StandardCharsets.UTF_8);
    }

    private static byte[] aad(UUID organizationId, String purpose) {
        return (organizationId + ":" + purpose).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] aad(UUID organizationId) {
        return organizationId.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A short, non-secret identifier of the key, so rotated keys can be told apart. */
    private static String fingerprint(byte[] key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
