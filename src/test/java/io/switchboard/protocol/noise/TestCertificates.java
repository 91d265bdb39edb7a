package io.switchboard.protocol.noise;

import com.google.protobuf.ByteString;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.CertChain;
import java.time.Instant;

/** Builds certificate chains for tests, valid or broken in one chosen way. */
final class TestCertificates {

    static final int INTERMEDIATE_SERIAL = 7;

    private TestCertificates() {
    }

    static byte[] chain(KeyPair root, KeyPair intermediate, byte[] leafKey, Instant now) {
        return chain(root, intermediate, leafKey, now.minusSeconds(3600), now.plusSeconds(3600), INTERMEDIATE_SERIAL);
    }

    static byte[] chain(KeyPair root, KeyPair intermediate, byte[] leafKey, Instant notBefore, Instant notAfter,
            int leafIssuerSerial) {
        byte[] intermediateDetails = CertChain.NoiseCertificate.Details.newBuilder()
                .setSerial(INTERMEDIATE_SERIAL)
                .setIssuerSerial(0)
                .setKey(ByteString.copyFrom(intermediate.publicKey()))
                .setNotBefore(notBefore.getEpochSecond() - 86400)
                .setNotAfter(notAfter.getEpochSecond() + 86400)
                .build().toByteArray();
        byte[] leafDetails = CertChain.NoiseCertificate.Details.newBuilder()
                .setSerial(100)
                .setIssuerSerial(leafIssuerSerial)
                .setKey(ByteString.copyFrom(leafKey))
                .setNotBefore(notBefore.getEpochSecond())
                .setNotAfter(notAfter.getEpochSecond())
                .build().toByteArray();
        return CertChain.newBuilder()
                .setIntermediate(certificate(intermediateDetails, root))
                .setLeaf(certificate(leafDetails, intermediate))
                .build().toByteArray();
    }

    private static CertChain.NoiseCertificate certificate(byte[] details, KeyPair issuer) {
        return CertChain.NoiseCertificate.newBuilder()
                .setDetails(ByteString.copyFrom(details))
                .setSignature(ByteString.copyFrom(XEdDsa.sign(issuer.privateKey(), details)))
                .build();
    }
}
