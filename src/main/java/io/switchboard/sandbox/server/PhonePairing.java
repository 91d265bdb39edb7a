package io.switchboard.sandbox.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.crypto.Bytes;
import io.switchboard.protocol.crypto.Hmac;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.ADVDeviceIdentity;
import io.switchboard.protocol.proto.ADVEncryptionType;
import io.switchboard.protocol.proto.ADVSignedDeviceIdentity;
import io.switchboard.protocol.proto.ADVSignedDeviceIdentityHMAC;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * What the simulated phone does when it scans a QR: signs the new device's identity with the
 * account key, wraps it in an HMAC under the QR's adv secret, and later checks the device's
 * counter-signature in {@code pair-device-sign}.
 */
final class PhonePairing {

    private static final byte[] ACCOUNT_SIGNATURE_PREFIX = {6, 0};
    private static final byte[] DEVICE_SIGNATURE_PREFIX = {6, 1};
    private static final SecureRandom RANDOM = new SecureRandom();

    final Account account;
    final int device;
    final int keyIndex;
    final String iqId;
    private final byte[] details;
    private final byte[] accountSignature;
    private final byte[] identityKey;
    private final byte[] advSecret;

    PhonePairing(Account account, QrText qr, Instant now) {
        this(account, qr.identityKey(), qr.advSecret(), now);
    }

    /** Linking by code: the device's registered identity, and the adv secret both sides derived. */
    PhonePairing(Account account, byte[] deviceIdentity, byte[] advSecret, Instant now) {
        this.account = account;
        this.device = account.allocateDevice();
        this.keyIndex = account.allocateKeyIndex();
        this.iqId = String.valueOf(Math.abs(RANDOM.nextLong() % 1_000_000_000L));
        this.identityKey = deviceIdentity.clone();
        this.advSecret = advSecret.clone();
        this.details = ADVDeviceIdentity.newBuilder()
                .setRawId(RANDOM.nextInt() & 0x7fffffff)
                .setTimestamp(now.getEpochSecond())
                .setKeyIndex(keyIndex)
                .setAccountType(ADVEncryptionType.E2EE)
                .setDeviceType(ADVEncryptionType.E2EE)
                .build().toByteArray();
        this.accountSignature = XEdDsa.sign(account.identity.privateKey(),
                Bytes.concat(ACCOUNT_SIGNATURE_PREFIX, details, identityKey));
    }

    String deviceJid() {
        return LinkedDevice.deviceJid(account.phone, device);
    }

    String lid() {
        return account.lidUser + ":" + device + "@lid";
    }

    Node pairSuccess(Instant now) {
        byte[] signed = ADVSignedDeviceIdentity.newBuilder()
                .setDetails(ByteString.copyFrom(details))
                .setAccountSignatureKey(ByteString.copyFrom(account.identity.publicKey()))
                .setAccountSignature(ByteString.copyFrom(accountSignature))
                .build().toByteArray();
        byte[] wrapped = ADVSignedDeviceIdentityHMAC.newBuilder()
                .setDetails(ByteString.copyFrom(signed))
                .setHmac(ByteString.copyFrom(Hmac.sha256(advSecret, signed)))
                .setAccountType(ADVEncryptionType.E2EE)
                .build().toByteArray();
        return Node.withChildren("iq", Stanzas.attrs("from", Stanzas.SERVER, "type", "set", "id", iqId,
                        "xmlns", "md", "t", String.valueOf(now.getEpochSecond())),
                List.of(Node.withChildren("pair-success", Stanzas.attrs(), List.of(
                        Node.withBytes("device-identity", Stanzas.attrs(), wrapped),
                        Node.of("platform", Stanzas.attrs("name", "android")),
                        Node.of("device", Stanzas.attrs("jid", deviceJid(), "lid", lid()))))));
    }

    /** Checks the device's answer; null when it is acceptable, otherwise what is wrong. */
    String verifySignAnswer(Node iq) {
        if (!"result".equals(iq.attribute("type").orElse(""))) {
            return "device refused pair-success (iq type " + iq.attribute("type").orElse("?") + ")";
        }
        Node identity = iq.child("pair-device-sign").flatMap(sign -> sign.child("device-identity")).orElse(null);
        if (identity == null || identity.bytes().isEmpty()) {
            return "pair-device-sign lacks device-identity";
        }
        if (!String.valueOf(keyIndex).equals(identity.attribute("key-index").orElse(""))) {
            return "key-index " + identity.attribute("key-index").orElse("missing") + " is not " + keyIndex;
        }
        ADVSignedDeviceIdentity answer;
        try {
            answer = ADVSignedDeviceIdentity.parseFrom(identity.bytes().get());
        } catch (InvalidProtocolBufferException e) {
            return "device-identity is not an ADVSignedDeviceIdentity";
        }
        if (!MessageDigest.isEqual(answer.getDetails().toByteArray(), details)
                || !MessageDigest.isEqual(answer.getAccountSignature().toByteArray(), accountSignature)) {
            return "device-identity does not echo the phone's details and account signature";
        }
        byte[] message = Bytes.concat(DEVICE_SIGNATURE_PREFIX, details, identityKey, account.identity.publicKey());
        if (!XEdDsa.verify(identityKey, message, answer.getDeviceSignature().toByteArray())) {
            return "device signature does not verify with the device's identity key";
        }
        return null;
    }
}
