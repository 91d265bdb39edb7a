package io.switchboard.protocol.noise;

import com.google.protobuf.ByteString;
import io.switchboard.protocol.crypto.AesGcm;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.Hkdf;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.proto.HandshakeMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The server side of the handshake, written straight from the protocol description and
 * deliberately not sharing {@link NoiseHandshake}: a mistake there must show up as a mismatch.
 */
final class TestResponder {

    private final KeyPair serverStatic;
    private final KeyPair serverEphemeral;
    private final byte[] certificates;
    private byte[] h;
    private byte[] ck;
    private byte[] k;
    private int n;
    private byte[] clientEphemeral;
    byte[] clientStatic;
    byte[] clientPayload;
    byte[] readKey;
    byte[] writeKey;

    TestResponder(IntroHeader header, KeyPair serverStatic, KeyPair serverEphemeral, byte[] certificates) {
        this.serverStatic = serverStatic;
        this.serverEphemeral = serverEphemeral;
        this.certificates = certificates;
        h = "Noise_XX_25519_AESGCM_SHA256\0\0\0\0".getBytes(StandardCharsets.US_ASCII);
        ck = h.clone();
        h = sha256(h, header.bytes());
    }

    byte[] serverHello(byte[] clientHelloFrame) throws Exception {
        clientEphemeral = HandshakeMessage.parseFrom(clientHelloFrame).getClientHello().getEphemeral().toByteArray();
        h = sha256(h, clientEphemeral);
        h = sha256(h, serverEphemeral.publicKey());
        mixKey(Curve25519.agree(serverEphemeral.privateKey(), clientEphemeral));
        byte[] encryptedStatic = encrypt(serverStatic.publicKey());
        mixKey(Curve25519.agree(serverStatic.privateKey(), clientEphemeral));
        byte[] encryptedCertificates = encrypt(certificates);
        return HandshakeMessage.newBuilder().setServerHello(HandshakeMessage.ServerHello.newBuilder()
                .setEphemeral(ByteString.copyFrom(serverEphemeral.publicKey()))
                .setStatic(ByteString.copyFrom(encryptedStatic))
                .setPayload(ByteString.copyFrom(encryptedCertificates))).build().toByteArray();
    }

    void clientFinish(byte[] frame) throws Exception {
        HandshakeMessage.ClientFinish finish = HandshakeMessage.parseFrom(frame).getClientFinish();
        clientStatic = decrypt(finish.getStatic().toByteArray());
        mixKey(Curve25519.agree(serverEphemeral.privateKey(), clientStatic));
        clientPayload = decrypt(finish.getPayload().toByteArray());
        byte[] keys = Hkdf.sha256(new byte[0], ck, new byte[0], 64);
        readKey = Arrays.copyOfRange(keys, 0, 32);
        writeKey = Arrays.copyOfRange(keys, 32, 64);
    }

    private void mixKey(byte[] secret) {
        byte[] out = Hkdf.sha256(secret, ck, new byte[0], 64);
        ck = Arrays.copyOfRange(out, 0, 32);
        k = Arrays.copyOfRange(out, 32, 64);
        n = 0;
    }

    private byte[] encrypt(byte[] plaintext) {
        byte[] ciphertext = AesGcm.encrypt(k, iv(n++), h, plaintext);
        h = sha256(h, ciphertext);
        return ciphertext;
    }

    private byte[] decrypt(byte[] ciphertext) throws Exception {
        byte[] plaintext = AesGcm.decrypt(k, iv(n++), h, ciphertext);
        h = sha256(h, ciphertext);
        return plaintext;
    }

    static byte[] iv(long counter) {
        byte[] iv = new byte[12];
        for (int i = 0; i < 4; i++) {
            iv[11 - i] = (byte) (counter >>> (8 * i));
        }
        return iv;
    }

    private static byte[] sha256(byte[] a, byte[] b) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(a);
            digest.update(b);
            return digest.digest();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
