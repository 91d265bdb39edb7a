package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.binary.NodeContent;
import io.switchboard.protocol.crypto.AesGcm;
import io.switchboard.protocol.crypto.Bytes;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.Hkdf;
import io.switchboard.protocol.crypto.KeyPair;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Linking by phone-number code, WhatsApp's side and the phone's: the device's
 * {@code companion_hello} is checked and remembered under a ref; when a person types a code on
 * the phone, the phone unwraps the device's ephemeral key with it and answers with its own; the
 * device's {@code companion_finish} then only decrypts if both used the same code. The adv
 * secret both sides derive signs {@code pair-success}.
 */
final class CodeLinking {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int ROUNDS = 131_072;
    private static final String CODE_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTVWXYZ";
    private static final byte[] BUNDLE_INFO = "link_code_pairing_key_bundle_encryption_key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ADV_INFO = "adv_secret".getBytes(StandardCharsets.US_ASCII);

    final String phone;
    final byte[] ref;
    private final byte[] wrappedCompanionEphemeral;
    private KeyPair primaryEphemeral;
    private byte[] companionEphemeral;
    Account account;

    private CodeLinking(String phone, byte[] ref, byte[] wrapped) {
        this.phone = phone;
        this.ref = ref;
        this.wrappedCompanionEphemeral = wrapped;
    }

    /** Reads {@code companion_hello}; a malformed one breaks the protocol. */
    static CodeLinking hello(Node reg, Registration registration) throws SandboxProtocolException {
        String jid = reg.attribute("jid").orElse("");
        if (!jid.endsWith(Stanzas.SERVER) || !jid.substring(0, jid.length() - Stanzas.SERVER.length()).matches("[1-9][0-9]{6,15}")) {
            throw new SandboxProtocolException("companion_hello jid must be PHONE@s.whatsapp.net, was '" + jid + "'");
        }
        byte[] wrapped = bytes(reg, "link_code_pairing_wrapped_companion_ephemeral_pub", 80);
        byte[] serverAuthKey = bytes(reg, "companion_server_auth_key_pub", 32);
        if (!MessageDigest.isEqual(serverAuthKey, registration.noiseKey())) {
            throw new SandboxProtocolException("companion_server_auth_key_pub is not the noise key this device registered");
        }
        for (String tag : List.of("companion_platform_id", "companion_platform_display", "link_code_pairing_nonce")) {
            if (text(reg, tag).isEmpty()) {
                throw new SandboxProtocolException("companion_hello lacks " + tag);
            }
        }
        byte[] ref = new byte[20];
        RANDOM.nextBytes(ref);
        return new CodeLinking(jid.substring(0, jid.length() - Stanzas.SERVER.length()),
                java.util.Base64.getEncoder().encodeToString(ref).getBytes(StandardCharsets.US_ASCII), wrapped);
    }

    /** The answer to {@code companion_hello}. */
    Node helloAnswer(Node iq) {
        return Stanzas.result(iq, List.of(Node.withChildren("link_code_companion_reg", Stanzas.attrs(),
                List.of(Node.withBytes("link_code_pairing_ref", Stanzas.attrs(), ref)))));
    }

    /** The phone's side once {@code code} is typed: the notification sent to the device. */
    Node typed(Account by, String code) throws SandboxException {
        String plain = code == null ? "" : code.replace("-", "").trim().toUpperCase();
        if (plain.length() != 8 || !plain.chars().allMatch(c -> CODE_ALPHABET.indexOf(c) >= 0)) {
            throw new SandboxException(SandboxException.Kind.BAD_REQUEST, "code must be 8 characters of " + CODE_ALPHABET
                    + " (a dash in the middle is allowed)");
        }
        account = by;
        primaryEphemeral = Curve25519.generateKeyPair();
        companionEphemeral = ctr(key(plain, slice(wrappedCompanionEphemeral, 0, 32)), slice(wrappedCompanionEphemeral, 32, 48),
                slice(wrappedCompanionEphemeral, 48, 80));
        byte[] salt = random(32);
        byte[] iv = random(16);
        byte[] wrappedPrimary = Bytes.concat(salt, iv, ctr(key(plain, salt), iv, primaryEphemeral.publicKey()));
        String id = String.valueOf(RANDOM.nextInt(1_000_000_000));
        return Node.withChildren("notification", Stanzas.attrs("from", Stanzas.SERVER, "type", "link_code_companion_reg",
                        "id", id, "t", String.valueOf(System.currentTimeMillis() / 1000)),
                List.of(Node.withChildren("link_code_companion_reg", Stanzas.attrs(), List.of(
                        Node.withBytes("link_code_pairing_ref", Stanzas.attrs(), ref),
                        Node.withBytes("primary_identity_pub", Stanzas.attrs(), by.identity.publicKey()),
                        Node.withBytes("link_code_pairing_wrapped_primary_ephemeral_pub", Stanzas.attrs(), wrappedPrimary)))));
    }

    boolean awaitsFinish() {
        return primaryEphemeral != null;
    }

    /**
     * Checks {@code companion_finish} and derives the adv secret; a bundle that does not decrypt
     * means the code typed on the phone is not the device's.
     */
    byte[] finish(Node reg, Registration registration) throws SandboxException, SandboxProtocolException {
        byte[] bundle = bytesAtLeast(reg, "link_code_pairing_wrapped_key_bundle", 32 + 12 + 16);
        byte[] identity = bytes(reg, "companion_identity_public", 32);
        byte[] echoedRef = reg.child("link_code_pairing_ref").map(CodeLinking::raw).orElse(new byte[0]);
        if (!MessageDigest.isEqual(echoedRef, ref)) {
            throw new SandboxProtocolException("companion_finish names another link_code_pairing_ref");
        }
        if (!MessageDigest.isEqual(identity, registration.identityKey())) {
            throw new SandboxProtocolException("companion_identity_public is not the identity this device registered");
        }
        KeyPair ephemeral = primaryEphemeral;
        primaryEphemeral = null;
        try {
            byte[] ephemeralShared = Curve25519.agree(ephemeral.privateKey(), companionEphemeral);
            byte[] bundleKey = Hkdf.sha256(ephemeralShared, slice(bundle, 0, 32), BUNDLE_INFO, 32);
            byte[] plain = AesGcm.decrypt(bundleKey, slice(bundle, 32, 44), new byte[0], slice(bundle, 44, bundle.length));
            if (plain.length != 96 || !MessageDigest.isEqual(slice(plain, 0, 32), registration.identityKey())
                    || !MessageDigest.isEqual(slice(plain, 32, 64), account.identity.publicKey())) {
                throw new SandboxException(SandboxException.Kind.PAIRING_FAILED,
                        "the key bundle does not name this device's and this phone's identities");
            }
            byte[] identityShared = Curve25519.agree(account.identity.privateKey(), registration.identityKey());
            return Hkdf.sha256(Bytes.concat(ephemeralShared, identityShared, slice(plain, 64, 96)), new byte[0], ADV_INFO, 32);
        } catch (CryptoException e) {
            throw new SandboxException(SandboxException.Kind.PAIRING_FAILED,
                    "the code typed on the phone is not the one the device shows (its key bundle does not decrypt)");
        }
    }

    private static byte[] key(String code, byte[] salt) {
        char[] password = code.toCharArray();
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password, salt, ROUNDS, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] ctr(byte[] key, byte[] iv, byte[] data) {
        try {
            Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return cipher.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(Node parent, String tag, int size) throws SandboxProtocolException {
        byte[] value = parent.child(tag).map(CodeLinking::raw).orElse(null);
        if (value == null || value.length != size) {
            throw new SandboxProtocolException(tag + " must be " + size + " bytes");
        }
        return value;
    }

    private static byte[] bytesAtLeast(Node parent, String tag, int size) throws SandboxProtocolException {
        byte[] value = parent.child(tag).map(CodeLinking::raw).orElse(null);
        if (value == null || value.length < size || value.length > 4096) {
            throw new SandboxProtocolException(tag + " has an impossible size");
        }
        return value;
    }

    private static String text(Node parent, String tag) {
        return parent.child(tag).map(CodeLinking::raw).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
    }

    /** Content as bytes, whether it was sent as binary or as a string. */
    private static byte[] raw(Node node) {
        if (node.content() instanceof NodeContent.Text) {
            return ((NodeContent.Text) node.content()).value().getBytes(StandardCharsets.UTF_8);
        }
        return node.bytes().orElse(null);
    }

    private static byte[] slice(byte[] data, int from, int to) {
        return Arrays.copyOfRange(data, from, to);
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
