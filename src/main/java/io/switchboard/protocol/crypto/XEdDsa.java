package io.switchboard.protocol.crypto;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Signatures by Curve25519 keys as the Signal protocol makes them (libsignal's XEdDSA variant):
 * the Montgomery key's scalar signs an Ed25519-style signature, and the sign bit of the Edwards
 * public key travels in the top bit of the signature's last byte.
 *
 * <p>Point arithmetic is BouncyCastle's: scalar multiplication on its Weierstrass model of
 * Curve25519, verification with its Ed25519 verifier. What is written here is only the
 * birational map between the curve models and the scalar bookkeeping of the scheme.
 */
public final class XEdDsa {

    public static final int SIGNATURE_SIZE = 64;

    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("curve25519");
    private static final BigInteger P = CURVE.getCurve().getField().getCharacteristic();
    /** Order of the prime subgroup (Ed25519's L). */
    private static final BigInteger L = CURVE.getN();
    /** Montgomery A; the Weierstrass x is u + A/3. */
    private static final BigInteger A = BigInteger.valueOf(486662);
    private static final BigInteger A_THIRD = A.multiply(BigInteger.valueOf(3).modInverse(P)).mod(P);
    /** sqrt(-(A + 2)), the root that maps the Montgomery base point to Ed25519's base point. */
    private static final BigInteger EDWARDS_SCALE = edwardsScale();
    private static final byte[] HASH_PREFIX = hashPrefix();
    private static final SecureRandom RANDOM = new SecureRandom();

    private XEdDsa() {
    }

    public static byte[] sign(byte[] privateKey, byte[] message) {
        byte[] random = new byte[64];
        RANDOM.nextBytes(random);
        return sign(privateKey, message, random);
    }

    /** Deterministic given {@code random} (64 bytes); for test vectors only. */
    static byte[] sign(byte[] privateKey, byte[] message, byte[] random) {
        byte[] clamped = privateKey.clone();
        clamp(clamped);
        BigInteger a = littleEndian(clamped);
        byte[] publicEdwards = edwardsEncoding(CURVE.getG().multiply(a).normalize());
        int signBit = publicEdwards[31] & 0x80;

        BigInteger r = littleEndian(sha512(HASH_PREFIX, clamped, message, random)).mod(L);
        byte[] encodedR = edwardsEncoding(CURVE.getG().multiply(r).normalize());
        BigInteger h = littleEndian(sha512(encodedR, publicEdwards, message)).mod(L);
        BigInteger s = r.add(h.multiply(a)).mod(L);

        byte[] signature = new byte[SIGNATURE_SIZE];
        System.arraycopy(encodedR, 0, signature, 0, 32);
        System.arraycopy(toLittleEndian(s), 0, signature, 32, 32);
        signature[63] = (byte) ((signature[63] & 0x7f) | signBit);
        Arrays.fill(clamped, (byte) 0);
        return signature;
    }

    /** True when {@code signature} is valid for {@code message} under the Curve25519 {@code publicKey}. */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey == null || publicKey.length != Curve25519.KEY_SIZE
                || signature == null || signature.length != SIGNATURE_SIZE) {
            return false;
        }
        byte[] uBytes = publicKey.clone();
        uBytes[31] &= 0x7f;
        BigInteger u = littleEndian(uBytes);
        if (u.compareTo(P) >= 0 || u.add(BigInteger.ONE).mod(P).signum() == 0) {
            return false;
        }
        BigInteger y = u.subtract(BigInteger.ONE).multiply(u.add(BigInteger.ONE).modInverse(P)).mod(P);
        byte[] edwardsKey = toLittleEndian(y);
        edwardsKey[31] = (byte) ((edwardsKey[31] & 0x7f) | (signature[63] & 0x80));
        byte[] plainSignature = signature.clone();
        plainSignature[63] &= 0x7f;
        return Ed25519.verify(plainSignature, 0, edwardsKey, 0, message, 0, message.length);
    }

    /** Ed25519 encoding (y little-endian, x's parity in the top bit) of a Weierstrass point. */
    private static byte[] edwardsEncoding(ECPoint point) {
        BigInteger u = point.getAffineXCoord().toBigInteger().subtract(A_THIRD).mod(P);
        BigInteger v = point.getAffineYCoord().toBigInteger();
        BigInteger y = u.subtract(BigInteger.ONE).multiply(u.add(BigInteger.ONE).modInverse(P)).mod(P);
        BigInteger x = EDWARDS_SCALE.multiply(u).multiply(v.modInverse(P)).mod(P);
        byte[] encoded = toLittleEndian(y);
        if (x.testBit(0)) {
            encoded[31] |= (byte) 0x80;
        }
        return encoded;
    }

    private static BigInteger edwardsScale() {
        BigInteger root = CURVE.getCurve().fromBigInteger(P.subtract(A.add(BigInteger.TWO))).sqrt().toBigInteger();
        // Ed25519's base point has an even x; pick the root that maps the generator onto it.
        ECPoint g = CURVE.getG().normalize();
        BigInteger u = g.getAffineXCoord().toBigInteger().subtract(A_THIRD).mod(P);
        BigInteger x = root.multiply(u).multiply(g.getAffineYCoord().toBigInteger().modInverse(P)).mod(P);
        return x.testBit(0) ? P.subtract(root) : root;
    }

    private static byte[] hashPrefix() {
        byte[] prefix = new byte[32];
        Arrays.fill(prefix, (byte) 0xff);
        prefix[0] = (byte) 0xfe;
        return prefix;
    }

    private static void clamp(byte[] scalar) {
        scalar[0] &= (byte) 248;
        scalar[31] &= 127;
        scalar[31] |= 64;
    }

    private static byte[] sha512(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-512");
            for (byte[] part : parts) {
                digest.update(part);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 unavailable", e);
        }
    }

    private static BigInteger littleEndian(byte[] bytes) {
        byte[] big = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            big[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, big);
    }

    private static byte[] toLittleEndian(BigInteger value) {
        byte[] big = value.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < 32 && i < big.length; i++) {
            out[i] = big[big.length - 1 - i];
        }
        return out;
    }
}
