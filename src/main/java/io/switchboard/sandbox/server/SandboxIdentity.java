package io.switchboard.sandbox.server;

import com.google.protobuf.ByteString;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.CertChain;
import java.time.Duration;
import java.time.Instant;

/**
 * The sandbox's own server identity: a root key of its own (what clients must be told to trust),
 * an intermediate, and a leaf certifying the Noise static key. Made fresh at each start.
 */
public final class SandboxIdentity {

    static final int INTERMEDIATE_SERIAL = 1;
    static final int LEAF_SERIAL = 2;
    private static final Duration VALIDITY = Duration.ofDays(30);

    private final KeyPair root = Curve25519.generateKeyPair();
    private final KeyPair intermediate = Curve25519.generateKeyPair();
    private final KeyPair serverStatic = Curve25519.generateKeyPair();
    private final byte[] certificateChain;

    public SandboxIdentity(Instant now) {
        Instant from = now.minus(Duration.ofDays(1));
        Instant until = now.plus(VALIDITY);
        byte[] intermediateDetails = details(INTERMEDIATE_SERIAL, 0, intermediate.publicKey(), from, until);
        byte[] leafDetails = details(LEAF_SERIAL, INTERMEDIATE_SERIAL, serverStatic.publicKey(), from, until);
        certificateChain = CertChain.newBuilder()
                .setIntermediate(certificate(intermediateDetails, root))
                .setLeaf(certificate(leafDetails, intermediate))
                .build().toByteArray();
    }

    public byte[] rootPublicKey() {
        return root.publicKey();
    }

    KeyPair serverStatic() {
        return serverStatic;
    }

    byte[] certificateChain() {
        return certificateChain.clone();
    }

    private static byte[] details(int serial, int issuerSerial, byte[] key, Instant from, Instant until) {
        return CertChain.NoiseCertificate.Details.newBuilder()
                .setSerial(serial).setIssuerSerial(issuerSerial).setKey(ByteString.copyFrom(key))
                .setNotBefore(from.getEpochSecond()).setNotAfter(until.getEpochSecond())
                .build().toByteArray();
    }

    private static CertChain.NoiseCertificate certificate(byte[] details, KeyPair issuer) {
        return CertChain.NoiseCertificate.newBuilder()
                .setDetails(ByteString.copyFrom(details))
                .setSignature(ByteString.copyFrom(XEdDsa.sign(issuer.privateKey(), details)))
                .build();
    }
}
