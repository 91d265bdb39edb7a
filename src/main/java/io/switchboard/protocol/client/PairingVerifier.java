package io.switchboard.protocol.client;

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

/**
 * Checks a {@code pair-success} as the references do (HMAC under our adv secret, then the
 * account's signature over our identity) and makes our device signature. Unlike Baileys, a
 * wrong account signature is rejected, not just a wrong length.
 */
final class PairingVerifier {

    static final byte[] ACCOUNT_PREFIX = {6, 0};
    static final byte[] ACCOUNT_PREFIX_HOSTED = {6, 5};
    static final byte[] DEVICE_PREFIX = {6, 1};
    static final byte[] HMAC_PREFIX_HOSTED = {6, 5};

    /** The outcome: the new credentials and the answer to send. */
    record Verified(Credentials credentials, Node reply) {
    }

    /** A pair-success that must not be trusted; {@code errorText} is what we answer. */
    static final class Rejected extends Exception {
        final int errorCode;
        final String errorText;

        Rejected(String errorText, String message) {
            super(message);
            this.errorCode = 401;
            this.errorText = errorText;
        }
    }

    private PairingVerifier() {
    }

    static Verified verify(Node iq, Credentials credentials) throws Rejected {
        Node success = iq.child("pair-success").orElseThrow(() -> new Rejected("bad-request", "no pair-success"));
        byte[] wrapped = success.child("device-identity").flatMap(Node::bytes)
                .orElseThrow(() -> new Rejected("bad-request", "pair-success lacks device-identity"));
        Node device = success.child("device").orElseThrow(() -> new Rejected("bad-request", "pair-success lacks device"));
        String deviceJid = device.attribute("jid").orElseThrow(() -> new Rejected("bad-request", "device without jid"));
        try {
            ADVSignedDeviceIdentityHMAC hmac = ADVSignedDeviceIdentityHMAC.parseFrom(wrapped);
            boolean hosted = hmac.getAccountType() == ADVEncryptionType.HOSTED;
            byte[] signedBytes = hmac.getDetails().toByteArray();
            byte[] hmacInput = hosted ? Bytes.concat(HMAC_PREFIX_HOSTED, signedBytes) : signedBytes;
            if (!Hmac.verifySha256(credentials.advSecret(), hmacInput, hmac.getHmac().toByteArray())) {
                throw new Rejected("hmac-mismatch", "pair-success HMAC does not match our adv secret");
            }
            ADVSignedDeviceIdentity signed = ADVSignedDeviceIdentity.parseFrom(signedBytes);
            byte[] details = signed.getDetails().toByteArray();
            ADVDeviceIdentity identity = ADVDeviceIdentity.parseFrom(details);
            byte[] accountKey = signed.getAccountSignatureKey().toByteArray();
            byte[] ourIdentity = credentials.identityKey().publicKey();
            byte[] prefix = identity.getDeviceType() == ADVEncryptionType.HOSTED ? ACCOUNT_PREFIX_HOSTED : ACCOUNT_PREFIX;
            if (accountKey.length != 32 || signed.getAccountSignature().size() != 64
                    || !XEdDsa.verify(accountKey, Bytes.concat(prefix, details, ourIdentity), signed.getAccountSignature().toByteArray())) {
                throw new Rejected("signature-mismatch", "account signature in pair-success does not verify");
            }
            byte[] deviceSignature = XEdDsa.sign(credentials.identityKey().privateKey(),
                    Bytes.concat(DEVICE_PREFIX, details, ourIdentity, accountKey));
            ADVSignedDeviceIdentity ours = signed.toBuilder().setDeviceSignature(ByteString.copyFrom(deviceSignature)).build();
            Credentials.Account account = new Credentials.Account(deviceJid, device.attribute("lid").orElse(null),
                    accountKey, ours.toByteArray(),
                    success.child("platform").flatMap(p -> p.attribute("name")).orElse(null));
            Node reply = Node.withChildren("iq", Stanza.attrs("to", Stanza.SERVER, "type", "result",
                            "id", iq.attribute("id").orElse("")),
                    java.util.List.of(Node.withChildren("pair-device-sign", Stanza.attrs(), java.util.List.of(
                            Node.withBytes("device-identity", Stanza.attrs("key-index", String.valueOf(identity.getKeyIndex())),
                                    ours.toBuilder().clearAccountSignatureKey().build().toByteArray())))));
            return new Verified(credentials.withAccount(account), reply);
        } catch (InvalidProtocolBufferException e) {
            throw new Rejected("bad-request", "pair-success identity is not decodable");
        }
    }
}
