package io.switchboard.sandbox.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.noise.IntroHeader;
import io.switchboard.protocol.noise.NoiseHandshake;
import io.switchboard.protocol.noise.TransportCipher;
import io.switchboard.protocol.proto.HandshakeMessage;

/** The responder's side of the Noise XX conversation, as WhatsApp's server runs it. */
final class ServerHandshake {

    /** What the client revealed in ClientFinish. */
    record Result(byte[] clientNoiseKey, byte[] clientPayload, TransportCipher transport) {
    }

    private final NoiseHandshake noise;
    private final KeyPair ephemeral = Curve25519.generateKeyPair();
    private final SandboxIdentity identity;

    ServerHandshake(IntroHeader header, SandboxIdentity identity) {
        this.noise = new NoiseHandshake(header);
        this.identity = identity;
    }

    byte[] serverHello(byte[] clientHelloFrame) throws SandboxProtocolException {
        byte[] clientEphemeral;
        try {
            HandshakeMessage message = HandshakeMessage.parseFrom(clientHelloFrame);
            clientEphemeral = message.getClientHello().getEphemeral().toByteArray();
        } catch (InvalidProtocolBufferException e) {
            throw new SandboxProtocolException("first frame is not a HandshakeMessage");
        }
        if (clientEphemeral.length != Curve25519.KEY_SIZE) {
            throw new SandboxProtocolException("client hello without a 32-byte ephemeral key");
        }
        try {
            noise.mixHash(clientEphemeral);
            noise.mixHash(ephemeral.publicKey());
            noise.mixSharedSecret(ephemeral.privateKey(), clientEphemeral);
            byte[] encryptedStatic = noise.encryptAndHash(identity.serverStatic().publicKey());
            noise.mixSharedSecret(identity.serverStatic().privateKey(), clientEphemeral);
            byte[] encryptedCertificates = noise.encryptAndHash(identity.certificateChain());
            return HandshakeMessage.newBuilder().setServerHello(HandshakeMessage.ServerHello.newBuilder()
                    .setEphemeral(ByteString.copyFrom(ephemeral.publicKey()))
                    .setStatic(ByteString.copyFrom(encryptedStatic))
                    .setPayload(ByteString.copyFrom(encryptedCertificates))).build().toByteArray();
        } catch (CryptoException e) {
            throw new SandboxProtocolException("client ephemeral key unusable: " + e.getMessage());
        }
    }

    Result clientFinish(byte[] frame) throws SandboxProtocolException {
        try {
            HandshakeMessage.ClientFinish finish = HandshakeMessage.parseFrom(frame).getClientFinish();
            byte[] clientNoiseKey = noise.decryptAndHash(finish.getStatic().toByteArray());
            if (clientNoiseKey.length != Curve25519.KEY_SIZE) {
                throw new SandboxProtocolException("client static key is not 32 bytes");
            }
            noise.mixSharedSecret(ephemeral.privateKey(), clientNoiseKey);
            byte[] payload = noise.decryptAndHash(finish.getPayload().toByteArray());
            return new Result(clientNoiseKey, payload, noise.split(false));
        } catch (InvalidProtocolBufferException e) {
            throw new SandboxProtocolException("second frame is not a HandshakeMessage");
        } catch (CryptoException e) {
            throw new SandboxProtocolException("client finish does not decrypt: " + e.getMessage());
        } finally {
            ephemeral.wipe();
        }
    }
}
