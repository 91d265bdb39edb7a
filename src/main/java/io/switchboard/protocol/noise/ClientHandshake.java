package io.switchboard.protocol.noise;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.proto.HandshakeMessage;

/**
 * The initiator's side of WhatsApp's Noise XX conversation: ClientHello out, ServerHello in
 * (server static decrypted, certificate chain verified), ClientFinish out carrying our noise key
 * and the ClientPayload. Pure and synchronous; the connection drives it.
 */
public final class ClientHandshake {

    private enum State { NEW, HELLO_SENT, FINISHED, FAILED }

    /** What the finished handshake hands to the connection. */
    public record Finished(byte[] clientFinish, TransportCipher transport, byte[] serverStaticKey) {
    }

    private final KeyPair ephemeral;
    private final KeyPair noiseKey;
    private final CertificateVerifier verifier;
    private final NoiseHandshake noise;
    private State state = State.NEW;

    public ClientHandshake(IntroHeader header, KeyPair ephemeral, KeyPair noiseKey, CertificateVerifier verifier) {
        this.ephemeral = ephemeral;
        this.noiseKey = noiseKey;
        this.verifier = verifier;
        this.noise = new NoiseHandshake(header);
    }

    public static ClientHandshake start(IntroHeader header, KeyPair noiseKey, CertificateVerifier verifier) {
        return new ClientHandshake(header, Curve25519.generateKeyPair(), noiseKey, verifier);
    }

    /** The first frame's payload: a HandshakeMessage holding our ephemeral key. */
    public byte[] clientHello() {
        expect(State.NEW);
        byte[] ephemeralPublic = ephemeral.publicKey();
        noise.mixHash(ephemeralPublic);
        state = State.HELLO_SENT;
        return HandshakeMessage.newBuilder()
                .setClientHello(HandshakeMessage.ClientHello.newBuilder().setEphemeral(ByteString.copyFrom(ephemeralPublic)))
                .build()
                .toByteArray();
    }

    /**
     * Processes the server's answer and produces ClientFinish with {@code clientPayload}
     * encrypted inside. Any failure leaves this handshake failed and wiped.
     */
    public Finished finish(byte[] serverHelloFrame, byte[] clientPayload) throws HandshakeException {
        expect(State.HELLO_SENT);
        state = State.FAILED;
        try {
            HandshakeMessage.ServerHello hello = serverHello(serverHelloFrame);
            byte[] serverEphemeral = hello.getEphemeral().toByteArray();
            noise.mixHash(serverEphemeral);
            noise.mixSharedSecret(ephemeral.privateKey(), serverEphemeral);
            byte[] serverStatic = decrypt(hello.getStatic().toByteArray(), "server static key");
            if (serverStatic.length != Curve25519.KEY_SIZE) {
                throw new CryptoException("server static key is " + serverStatic.length + " bytes");
            }
            noise.mixSharedSecret(ephemeral.privateKey(), serverStatic);
            byte[] certificates = decrypt(hello.getPayload().toByteArray(), "certificate chain");
            try {
                verifier.verify(certificates, serverStatic);
            } catch (CertificateException e) {
                throw new HandshakeException(HandshakeException.Failure.CERTIFICATE_REJECTED, e.getMessage(), e);
            }
            byte[] encryptedNoiseKey = noise.encryptAndHash(noiseKey.publicKey());
            noise.mixSharedSecret(noiseKey.privateKey(), serverEphemeral);
            byte[] encryptedPayload = noise.encryptAndHash(clientPayload);
            byte[] finish = HandshakeMessage.newBuilder()
                    .setClientFinish(HandshakeMessage.ClientFinish.newBuilder()
                            .setStatic(ByteString.copyFrom(encryptedNoiseKey))
                            .setPayload(ByteString.copyFrom(encryptedPayload)))
                    .build()
                    .toByteArray();
            TransportCipher transport = noise.split(true);
            state = State.FINISHED;
            return new Finished(finish, transport, serverStatic);
        } catch (CryptoException e) {
            throw new HandshakeException(HandshakeException.Failure.DECRYPTION_FAILED, e.getMessage(), e);
        } finally {
            ephemeral.wipe();
            if (state != State.FINISHED) {
                noise.wipe();
            }
        }
    }

    /** Releases key material when the connection ends mid-handshake. */
    public void abort() {
        ephemeral.wipe();
        noise.wipe();
        state = State.FAILED;
    }

    private HandshakeMessage.ServerHello serverHello(byte[] frame) throws HandshakeException {
        try {
            HandshakeMessage message = HandshakeMessage.parseFrom(frame);
            HandshakeMessage.ServerHello hello = message.getServerHello();
            if (!message.hasServerHello() || hello.getEphemeral().size() != Curve25519.KEY_SIZE
                    || !hello.hasStatic() || !hello.hasPayload()) {
                throw new HandshakeException(HandshakeException.Failure.MALFORMED_SERVER_HELLO,
                        "server hello lacks a 32-byte ephemeral, a static or a payload", null);
            }
            return hello;
        } catch (InvalidProtocolBufferException e) {
            throw new HandshakeException(HandshakeException.Failure.MALFORMED_SERVER_HELLO,
                    "server hello is not a HandshakeMessage", e);
        }
    }

    private byte[] decrypt(byte[] ciphertext, String what) throws CryptoException {
        try {
            return noise.decryptAndHash(ciphertext);
        } catch (CryptoException e) {
            throw new CryptoException("cannot decrypt the " + what + ": " + e.getMessage(), e);
        }
    }

    private void expect(State expected) {
        if (state != expected) {
            throw new IllegalStateException("handshake is " + state + ", not " + expected);
        }
    }
}
