package io.switchboard.protocol.client;

import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A device's long-term secrets and, once paired, its account. Immutable; serialized to a stable
 * JSON form ({@link #toJson}) that the store encrypts. {@link #toString} never shows secrets.
 *
 * @param registrationId Signal registration id (14 bits)
 * @param advSecret      32 random bytes shared with the phone through the QR code
 * @param account        present once a phone has linked this device
 * @param preKeys        one-time pre-keys uploaded to the server and not yet known to be used
 * @param nextPreKeyId   id of the next one-time pre-key to generate
 * @param previousSignedPreKey the signed pre-key before the last rotation, kept for sessions started on it meanwhile
 */
public record Credentials(KeyPair noiseKey, KeyPair identityKey, SignedPreKey signedPreKey, int registrationId,
        byte[] advSecret, Optional<Account> account, List<PreKey> preKeys, int nextPreKeyId,
        Optional<SignedPreKey> previousSignedPreKey) {

    /** A one-time pre-key uploaded to the server: its id and key pair. */
    public record PreKey(int id, KeyPair keyPair) {
    }

    static final int FORMAT_VERSION = 1;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte KEY_TYPE_CURVE25519 = 5;

    /**
     * The signed pre-key: its id, key pair, the identity key's signature over 0x05 || public key,
     * and when it was made (epoch seconds; 0 when not known, as in credentials stored before rotation existed).
     */
    public record SignedPreKey(int id, KeyPair keyPair, byte[] signature, long createdAt) {
        public SignedPreKey {
            signature = signature.clone();
        }

        /** A new signed pre-key with id {@code id}, signed by {@code identity}, made at {@code now}. */
        static SignedPreKey generate(int id, KeyPair identity, java.time.Instant now) {
            KeyPair preKey = Curve25519.generateKeyPair();
            byte[] signed = new byte[33];
            signed[0] = KEY_TYPE_CURVE25519;
            System.arraycopy(preKey.publicKey(), 0, signed, 1, 32);
            return new SignedPreKey(id, preKey, XEdDsa.sign(identity.privateKey(), signed), now.getEpochSecond());
        }

        @Override
        public byte[] signature() {
            return signature.clone();
        }
    }

    /**
     * The linked account.
     *
     * @param deviceJid            {@code phone:device@s.whatsapp.net}
     * @param signedDeviceIdentity the ADVSignedDeviceIdentity (with our device signature)
     */
    public record Account(String deviceJid, String lid, byte[] accountSignatureKey, byte[] signedDeviceIdentity,
            String platform) {
        public Account {
            Objects.requireNonNull(deviceJid, "deviceJid");
            accountSignatureKey = accountSignatureKey.clone();
            signedDeviceIdentity = signedDeviceIdentity.clone();
        }

        /** The phone number part of the device JID. */
        public String phone() {
            return deviceJid.substring(0, deviceJid.indexOf(deviceJid.contains(":") ? ':' : '@'));
        }

        public int device() {
            int colon = deviceJid.indexOf(':');
            return colon < 0 ? 0 : Integer.parseInt(deviceJid.substring(colon + 1, deviceJid.indexOf('@')));
        }
    }

    public Credentials {
        Objects.requireNonNull(noiseKey, "noiseKey");
        Objects.requireNonNull(identityKey, "identityKey");
        Objects.requireNonNull(signedPreKey, "signedPreKey");
        if (advSecret.length != 32) {
            throw new IllegalArgumentException("adv secret must be 32 bytes");
        }
        advSecret = advSecret.clone();
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(previousSignedPreKey, "previousSignedPreKey");
        preKeys = List.copyOf(preKeys);
        if (nextPreKeyId < 1) {
            throw new IllegalArgumentException("pre-key ids start at 1");
        }
    }

    /** Fresh credentials for a device that has never been linked. */
    public static Credentials fresh() {
        KeyPair identity = Curve25519.generateKeyPair();
        byte[] advSecret = new byte[32];
        RANDOM.nextBytes(advSecret);
        return new Credentials(Curve25519.generateKeyPair(), identity, SignedPreKey.generate(1, identity, java.time.Instant.now()),
                RANDOM.nextInt(16380) + 1, advSecret, Optional.empty(), List.of(), 1, Optional.empty());
    }

    @Override
    public byte[] advSecret() {
        return advSecret.clone();
    }

    public boolean isPaired() {
        return account.isPresent();
    }

    /** The same unpaired device with another advertising secret (companion refresh, or linking by code). */
    public Credentials withAdvSecret(byte[] secret) {
        if (secret.length != 32) {
            throw new IllegalArgumentException("adv secret must be 32 bytes");
        }
        return new Credentials(noiseKey, identityKey, signedPreKey, registrationId, secret.clone(), account, preKeys,
                nextPreKeyId, previousSignedPreKey);
    }

    /** 32 random bytes for {@link #withAdvSecret}. */
    static byte[] newAdvSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return secret;
    }

    public Credentials withAccount(Account linked) {
        return new Credentials(noiseKey, identityKey, signedPreKey, registrationId, advSecret, Optional.of(linked),
                preKeys, nextPreKeyId, previousSignedPreKey);
    }

    /** These credentials plus {@code count} fresh one-time pre-keys (ids continue where they left off). */
    public Credentials withNewPreKeys(int count) {
        List<PreKey> all = new ArrayList<>(preKeys);
        List<PreKey> fresh = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fresh.add(new PreKey(nextPreKeyId + i, Curve25519.generateKeyPair()));
        }
        all.addAll(fresh);
        return new Credentials(noiseKey, identityKey, signedPreKey, registrationId, advSecret, account, all,
                nextPreKeyId + count, previousSignedPreKey);
    }

    /** These credentials without the one-time pre-key {@code id} (used by a session: never again). */
    public Credentials withoutPreKey(int id) {
        List<PreKey> left = new ArrayList<>(preKeys);
        left.removeIf(key -> key.id() == id);
        return new Credentials(noiseKey, identityKey, signedPreKey, registrationId, advSecret, account, left, nextPreKeyId,
                previousSignedPreKey);
    }

    /**
     * A new signed pre-key (the next id) made at {@code now}; the current one is kept as the previous,
     * so a session a peer started from the old bundle still opens.
     */
    public Credentials withRotatedSignedPreKey(java.time.Instant now) {
        int id = signedPreKey.id() >= 0xFFFFFF ? 1 : signedPreKey.id() + 1;
        return new Credentials(noiseKey, identityKey, SignedPreKey.generate(id, identityKey, now), registrationId, advSecret,
                account, preKeys, nextPreKeyId, Optional.of(signedPreKey));
    }

    /** The signed pre-keys that open sessions, by id: the current one and the one before it. */
    public java.util.Map<Integer, KeyPair> signedPreKeyPairs() {
        java.util.Map<Integer, KeyPair> keys = new java.util.HashMap<>();
        previousSignedPreKey.ifPresent(previous -> keys.put(previous.id(), previous.keyPair()));
        keys.put(signedPreKey.id(), signedPreKey.keyPair());
        return keys;
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject()
                .put("format", FORMAT_VERSION)
                .put("noiseKey", pair(noiseKey))
                .put("identityKey", pair(identityKey))
                .put("signedPreKey", signed(signedPreKey))
                .put("registrationId", registrationId)
                .put("advSecret", b64(advSecret))
                .put("nextPreKeyId", nextPreKeyId);
        previousSignedPreKey.ifPresent(previous -> json.put("previousSignedPreKey", signed(previous)));
        JsonArray keys = new JsonArray();
        preKeys.forEach(key -> keys.add(pair(key.keyPair()).put("id", key.id())));
        json.put("preKeys", keys);
        account.ifPresent(a -> json.put("account", new JsonObject()
                .put("deviceJid", a.deviceJid())
                .put("lid", a.lid())
                .put("accountSignatureKey", b64(a.accountSignatureKey()))
                .put("signedDeviceIdentity", b64(a.signedDeviceIdentity()))
                .put("platform", a.platform())));
        return json;
    }

    public static Credentials fromJson(JsonObject json) {
        if (json.getInteger("format", 0) != FORMAT_VERSION) {
            throw new IllegalArgumentException("unknown credentials format " + json.getValue("format"));
        }
        JsonObject preKey = json.getJsonObject("signedPreKey");
        JsonObject a = json.getJsonObject("account");
        Optional<Account> account = a == null ? Optional.empty() : Optional.of(new Account(a.getString("deviceJid"),
                a.getString("lid"), unb64(a.getString("accountSignatureKey")),
                unb64(a.getString("signedDeviceIdentity")), a.getString("platform")));
        List<PreKey> preKeys = new ArrayList<>();
        JsonArray keys = json.getJsonArray("preKeys", new JsonArray());
        for (int i = 0; i < keys.size(); i++) {
            JsonObject key = keys.getJsonObject(i);
            preKeys.add(new PreKey(key.getInteger("id"), pairOf(key)));
        }
        JsonObject previous = json.getJsonObject("previousSignedPreKey");
        return new Credentials(pairOf(json.getJsonObject("noiseKey")), pairOf(json.getJsonObject("identityKey")),
                signedOf(preKey), json.getInteger("registrationId"), unb64(json.getString("advSecret")), account, preKeys,
                json.getInteger("nextPreKeyId", 1), Optional.ofNullable(previous).map(Credentials::signedOf));
    }

    @Override
    public String toString() {
        return "Credentials[" + account.map(Account::deviceJid).orElse("unpaired") + "]";
    }

    private static JsonObject signed(SignedPreKey key) {
        return pair(key.keyPair()).put("id", key.id()).put("signature", b64(key.signature())).put("createdAt", key.createdAt());
    }

    private static SignedPreKey signedOf(JsonObject json) {
        return new SignedPreKey(json.getInteger("id"), pairOf(json), unb64(json.getString("signature")), json.getLong("createdAt", 0L));
    }

    private static JsonObject pair(KeyPair pair) {
        return new JsonObject().put("public", b64(pair.publicKey())).put("private", b64(pair.privateKey()));
    }

    private static KeyPair pairOf(JsonObject json) {
        return new KeyPair(unb64(json.getString("public")), unb64(json.getString("private")));
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] unb64(String text) {
        return Base64.getDecoder().decode(text);
    }
}
