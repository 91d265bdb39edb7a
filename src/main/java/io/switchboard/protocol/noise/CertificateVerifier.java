package io.switchboard.protocol.noise;

import com.google.protobuf.InvalidProtocolBufferException;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.CertChain;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Verifies the certificate chain a server sends in its ServerHello: the intermediate signed by
 * the trust root, the leaf signed by the intermediate, serials linked, both valid now, and the
 * leaf key equal to the server's static key. One check, one precise error.
 */
public final class CertificateVerifier {

    /** WhatsApp's root key, the default trust root. */
    public static final byte[] WHATSAPP_ROOT_KEY =
            HexFormat.of().parseHex("142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b");
    /** The intermediate is issued by the root, whose serial is 0. */
    static final int ROOT_SERIAL = 0;
    static final int KEY_SIZE = 32;

    /**
     * Signatures that verified, by (key, signed bytes, signature): every connection to the same
     * server is shown the same two certificates, and verifying them was a fifth of a login's CPU.
     * A pure function's successes only; validity windows and the leaf key are checked every time.
     */
    private static final int VERIFIED_CAPACITY = 64;
    private static final Map<ByteBuffer, Boolean> VERIFIED = Collections.synchronizedMap(
            new LinkedHashMap<>(VERIFIED_CAPACITY, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Boolean> eldest) {
                    return size() > VERIFIED_CAPACITY;
                }
            });

    private final byte[] trustRoot;
    private final Clock clock;

    public CertificateVerifier(byte[] trustRoot, Clock clock) {
        if (trustRoot.length != KEY_SIZE) {
            throw new IllegalArgumentException("trust root must be a 32-byte Curve25519 key");
        }
        this.trustRoot = trustRoot.clone();
        this.clock = clock;
    }

    public static CertificateVerifier whatsApp() {
        return new CertificateVerifier(WHATSAPP_ROOT_KEY, Clock.systemUTC());
    }

    public void verify(byte[] certChain, byte[] serverStaticKey) throws CertificateException {
        CertChain chain;
        try {
            chain = CertChain.parseFrom(certChain);
        } catch (InvalidProtocolBufferException e) {
            throw new CertificateException("certificate chain is not a CertChain");
        }
        CertChain.NoiseCertificate intermediate = present(chain.hasIntermediate(), chain.getIntermediate(), "intermediate");
        CertChain.NoiseCertificate leaf = present(chain.hasLeaf(), chain.getLeaf(), "leaf");

        CertChain.NoiseCertificate.Details intermediateDetails = details(intermediate, "intermediate");
        if (!verified(trustRoot, intermediate.getDetails().toByteArray(), intermediate.getSignature().toByteArray())) {
            throw new CertificateException("intermediate signature does not verify against the trust root");
        }
        if (intermediateDetails.getIssuerSerial() != ROOT_SERIAL) {
            throw new CertificateException("intermediate issuer serial is " + intermediateDetails.getIssuerSerial()
                    + ", expected the root's " + ROOT_SERIAL);
        }
        byte[] intermediateKey = intermediateDetails.getKey().toByteArray();
        if (intermediateKey.length != KEY_SIZE) {
            throw new CertificateException("intermediate key is " + intermediateKey.length + " bytes");
        }
        checkValidity(intermediateDetails, "intermediate");

        CertChain.NoiseCertificate.Details leafDetails = details(leaf, "leaf");
        if (!verified(intermediateKey, leaf.getDetails().toByteArray(), leaf.getSignature().toByteArray())) {
            throw new CertificateException("leaf signature does not verify against the intermediate key");
        }
        if (leafDetails.getIssuerSerial() != intermediateDetails.getSerial()) {
            throw new CertificateException("leaf issuer serial " + leafDetails.getIssuerSerial()
                    + " does not match intermediate serial " + intermediateDetails.getSerial());
        }
        if (!MessageDigest.isEqual(leafDetails.getKey().toByteArray(), serverStaticKey)) {
            throw new CertificateException("leaf key is not the server's static key");
        }
        checkValidity(leafDetails, "leaf");
    }

    private static boolean verified(byte[] key, byte[] message, byte[] signature) {
        ByteBuffer id = ByteBuffer.allocate(key.length + message.length + signature.length + 8)
                .putInt(key.length).put(key).putInt(message.length).put(message).put(signature).flip();
        if (VERIFIED.containsKey(id)) {
            return true;
        }
        if (!XEdDsa.verify(key, message, signature)) {
            return false;
        }
        VERIFIED.put(id, Boolean.TRUE);
        return true;
    }

    private static CertChain.NoiseCertificate present(boolean has, CertChain.NoiseCertificate certificate, String name)
            throws CertificateException {
        if (!has || !certificate.hasDetails() || !certificate.hasSignature()) {
            throw new CertificateException(name + " certificate missing or incomplete");
        }
        if (certificate.getSignature().size() != 64) {
            throw new CertificateException(name + " signature is " + certificate.getSignature().size() + " bytes");
        }
        return certificate;
    }

    private static CertChain.NoiseCertificate.Details details(CertChain.NoiseCertificate certificate, String name)
            throws CertificateException {
        try {
            return CertChain.NoiseCertificate.Details.parseFrom(certificate.getDetails());
        } catch (InvalidProtocolBufferException e) {
            throw new CertificateException(name + " details are not decodable");
        }
    }

    private void checkValidity(CertChain.NoiseCertificate.Details details, String name) throws CertificateException {
        long now = clock.instant().getEpochSecond();
        if (!details.hasNotBefore() || !details.hasNotAfter()) {
            throw new CertificateException(name + " has no validity window");
        }
        if (now < details.getNotBefore()) {
            throw new CertificateException(name + " is not valid yet");
        }
        if (now > details.getNotAfter()) {
            throw new CertificateException(name + " has expired");
        }
    }
}
