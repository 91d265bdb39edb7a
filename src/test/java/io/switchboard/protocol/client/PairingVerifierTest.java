package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.Hmac;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.ADVDeviceIdentity;
import io.switchboard.protocol.proto.ADVSignedDeviceIdentity;
import io.switchboard.protocol.proto.ADVSignedDeviceIdentityHMAC;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pair-success verification: genuine, forged HMAC, forged account signature. */
class PairingVerifierTest {

    private final Credentials credentials = Credentials.fresh();
    private final KeyPair account = Curve25519.generateKeyPair();
    private final byte[] details = ADVDeviceIdentity.newBuilder().setRawId(42).setTimestamp(1_764_000_000L)
            .setKeyIndex(3).build().toByteArray();

    private Node pairSuccess(byte[] accountSignature, byte[] hmacKey) {
        byte[] signed = ADVSignedDeviceIdentity.newBuilder()
                .setDetails(ByteString.copyFrom(details))
                .setAccountSignatureKey(ByteString.copyFrom(account.publicKey()))
                .setAccountSignature(ByteString.copyFrom(accountSignature))
                .build().toByteArray();
        byte[] wrapped = ADVSignedDeviceIdentityHMAC.newBuilder().setDetails(ByteString.copyFrom(signed))
                .setHmac(ByteString.copyFrom(Hmac.sha256(hmacKey, signed))).build().toByteArray();
        return Node.withChildren("iq", Stanza.attrs("id", "77", "type", "set", "xmlns", "md"),
                List.of(Node.withChildren("pair-success", Stanza.attrs(), List.of(
                        Node.withBytes("device-identity", Stanza.attrs(), wrapped),
                        Node.of("platform", Stanza.attrs("name", "android")),
                        Node.of("device", Stanza.attrs("jid", "15551234567:3@s.whatsapp.net", "lid", "9:3@lid"))))));
    }

    private byte[] genuineSignature() {
        return XEdDsa.sign(account.privateKey(),
                io.switchboard.protocol.crypto.Bytes.concat(new byte[] {6, 0}, details, credentials.identityKey().publicKey()));
    }

    @Test
    void acceptsAGenuinePairingAndSignsBack() throws Exception {
        PairingVerifier.Verified verified = PairingVerifier.verify(pairSuccess(genuineSignature(), credentials.advSecret()),
                credentials);
        Credentials.Account linked = verified.credentials().account().orElseThrow();
        assertEquals("15551234567:3@s.whatsapp.net", linked.deviceJid());
        assertEquals(3, linked.device());
        Node identity = verified.reply().child("pair-device-sign").orElseThrow().child("device-identity").orElseThrow();
        assertEquals("3", identity.attribute("key-index").orElseThrow());
        ADVSignedDeviceIdentity answer = ADVSignedDeviceIdentity.parseFrom(identity.bytes().orElseThrow());
        assertTrue(answer.getAccountSignatureKey().isEmpty(), "the account key is not echoed");
        assertTrue(XEdDsa.verify(credentials.identityKey().publicKey(),
                io.switchboard.protocol.crypto.Bytes.concat(new byte[] {6, 1}, details, credentials.identityKey().publicKey(), account.publicKey()),
                answer.getDeviceSignature().toByteArray()));
    }

    @Test
    void rejectsAWrongHmac() {
        byte[] otherSecret = new byte[32];
        PairingVerifier.Rejected rejected = assertThrows(PairingVerifier.Rejected.class,
                () -> PairingVerifier.verify(pairSuccess(genuineSignature(), otherSecret), credentials));
        assertEquals("hmac-mismatch", rejected.errorText);
    }

    @Test
    void rejectsAForgedAccountSignatureThatBaileysWouldAccept() {
        byte[] forged = XEdDsa.sign(Curve25519.generateKeyPair().privateKey(),
                io.switchboard.protocol.crypto.Bytes.concat(new byte[] {6, 0}, details, credentials.identityKey().publicKey()));
        PairingVerifier.Rejected rejected = assertThrows(PairingVerifier.Rejected.class,
                () -> PairingVerifier.verify(pairSuccess(forged, credentials.advSecret()), credentials));
        assertEquals("signature-mismatch", rejected.errorText);
    }

    @Test
    void rejectsMissingParts() {
        Node empty = Node.withChildren("iq", Stanza.attrs("id", "1"), List.of(Node.of("pair-success")));
        assertThrows(PairingVerifier.Rejected.class, () -> PairingVerifier.verify(empty, credentials));
    }
}
