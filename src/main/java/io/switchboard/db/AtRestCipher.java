package io.switchboard.db;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Encrypts every secret at rest (credentials, Signal sessions, texts, events, QR codes, webhook
 * secrets): AES-256-GCM, a fresh nonce per write, the organization id as
 * associated data (a row copied to another organization does not decrypt). {@code
 * switchboard.credentials.key} is an ordered list: the first key seals, every key opens, so a
 * key can be rotated without logging anyone out. Created at start-up so that a missing or
 * malformed key stops the service.
 */
@ApplicationScoped
@Startup
public class AtRestCipher {

    /** A stored row: nonce, ciphertext and which key sealed it. */
    public record Sealed(byte[] nonce, byte[] ciphertext, String keyId) {
    }

    static final String KEY = "switchboard.credentials.key";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, byte[]> keys = new LinkedHashMap<>();
    private final String currentKeyId;

    public AtRestCipher(@ConfigProperty(name = KEY) Optional<List<String>> configuredKeys) {
        List<String> encoded = configuredKeys.orElse(List.of()).stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
        if (encoded.isEmpty()) {
            throw new IllegalStateException("Refusing to start: " + KEY + " is not set (base64 of 32 random bytes;"
                    + " a comma-separated list while rotating, the new key first)");
        }
        for (int i = 0; i < encoded.size(); i++) {
            byte[] decoded;
            try {
                decoded = Base64.getDecoder().decode(encoded.get(i));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(KEY + " entry " + (i + 1) + " is not base64");
            }
            if (decoded.length != AesGcm.KEY_SIZE) {
                throw new IllegalStateException(KEY + " entry " + (i + 1) + " must decode to 32 bytes, not " + decoded.length);
            }
            keys.putIfAbsent(fingerprint(decoded), decoded);
        }
        this.currentKeyId = keys.keySet().iterator().next();
    }

    /** The id (fingerprint) of the key that seals new rows. */
    public String currentKeyId() {
        return currentKeyId;
    }

    /** Whether a row sealed under {@code keyId} should be sealed again under the current key. */
    public boolean isStale(String keyId) {
        return !currentKeyId.equals(keyId);
    }

    public Sealed seal(UUID organizationId, Credentials credentials) {
        byte[] plaintext = credentials.toJson().encode().getBytes(StandardCharsets.UTF_8);
        return sealBytes(aad(organizationId), plaintext);
    }

    public Credentials open(UUID organizationId, Sealed sealed) throws CryptoException {
        byte[] plaintext = AesGcm.decrypt(keyFor(sealed.keyId()), sealed.nonce(), aad(organizationId), sealed.ciphertext());
        return Credentials.fromJson(new JsonObject(new String(plaintext, StandardCharsets.UTF_8)));
    }

    /** Seals any other secret of the organization (the QR text); {@code purpose} is bound into the associated data. */
    public Sealed sealText(UUID organizationId, String purpose, String text) {
        return sealBytes(aad(organizationId, purpose), text.getBytes(StandardCharsets.UTF_8));
    }

    public String openText(UUID organizationId, String purpose, Sealed sealed) throws CryptoException {
        return new String(AesGcm.decrypt(keyFor(sealed.keyId()), sealed.nonce(), aad(organizationId, purpose),
                sealed.ciphertext()), StandardCharsets.UTF_8);
    }

    /** Seals other binary secrets of the organization (Signal session records); {@code purpose} is bound in. */
    public Sealed sealData(UUID organizationId, String purpose, byte[] data) {
        return sealBytes(aad(organizationId, purpose), data);
    }

    public byte[] openData(UUID organizationId, String purpose, Sealed sealed) throws CryptoException {
        return AesGcm.decrypt(keyFor(sealed.keyId()), sealed.nonce(), aad(organizationId, purpose), sealed.ciphertext());
    }

    /**
     * Seals under the current key what {@code old} holds, with the same associated data ({@code
     * purpose} null for credentials): the re-sealing job never sees what kind of secret it moves.
     */
    public Sealed reseal(UUID organizationId, String purpose, Sealed old) throws CryptoException {
        byte[] aad = purpose == null ? aad(organizationId) : aad(organizationId, purpose);
        return sealBytes(aad, AesGcm.decrypt(keyFor(old.keyId()), old.nonce(), aad, old.ciphertext()));
    }

    /** Whether a row sealed under {@code keyId} can be opened here. */
    public boolean knows(String keyId) {
        return keys.containsKey(keyId);
    }

    /** The configured keys other than the current one: rows under them open and are to be sealed again. */
    public List<String> olderKeyIds() {
        return keys.keySet().stream().filter(id -> !id.equals(currentKeyId)).toList();
    }

    private Sealed sealBytes(byte[] aad, byte[] plaintext) {
        byte[] nonce = new byte[AesGcm.IV_SIZE];
        RANDOM.nextBytes(nonce);
        return new Sealed(nonce, AesGcm.encrypt(keys.get(currentKeyId), nonce, aad, plaintext), currentKeyId);
    }

    private byte[] keyFor(String keyId) throws CryptoException {
        byte[] key = keys.get(keyId);
        if (key == null) {
            throw new CryptoException("sealed with key " + keyId + ", which is not among the " + keys.size()
                    + " configured in " + KEY);
        }
        return key;
    }

    private static byte[] aad(UUID organizationId, String purpose) {
        return (organizationId + ":" + purpose).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] aad(UUID organizationId) {
        return organizationId.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A short, non-secret identifier of a key, so rotated keys can be told apart. */
    static String fingerprint(byte[] key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
