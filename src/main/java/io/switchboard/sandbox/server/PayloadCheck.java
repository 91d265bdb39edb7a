package io.switchboard.sandbox.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.ClientPayload;
import io.switchboard.protocol.proto.DeviceProps;
import java.nio.ByteBuffer;

/**
 * Reads a ClientPayload field by field the way WhatsApp would: a registration must carry a
 * complete, correctly signed pairing record; a login must name a user and device; an outdated
 * client version is refused.
 */
final class PayloadCheck {

    /** What the payload asks for. */
    sealed interface Outcome permits Outdated, Register, Login {
    }

    record Outdated(String version) implements Outcome {
    }

    record Register(Registration registration) implements Outcome {
    }

    /** {@code version}: the WhatsApp Web version the client announced. */
    record Login(String phone, int device, long[] version) implements Outcome {
    }

    private static final int KEY_TYPE_CURVE25519 = 5;

    private PayloadCheck() {
    }

    static Outcome check(byte[] payloadBytes, byte[] noiseKey, WebVersionPolicy versions) throws SandboxProtocolException {
        ClientPayload payload;
        try {
            payload = ClientPayload.parseFrom(payloadBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new SandboxProtocolException("client payload is not a ClientPayload");
        }
        if (!payload.hasUserAgent() || !payload.getUserAgent().hasAppVersion()) {
            throw new SandboxProtocolException("client payload has no user agent version");
        }
        ClientPayload.UserAgent.AppVersion version = payload.getUserAgent().getAppVersion();
        // uint32 on the wire: read unsigned, so a revision past 2^31 is not mistaken for an old one.
        long[] announced = {Integer.toUnsignedLong(version.getPrimary()), Integer.toUnsignedLong(version.getSecondary()),
            Integer.toUnsignedLong(version.getTertiary())};
        if (!versions.accepts(announced)) {
            return new Outdated(WebVersionPolicy.text(announced));
        }
        if (!payload.hasWebInfo()) {
            throw new SandboxProtocolException("client payload has no web info");
        }
        boolean registering = payload.hasDevicePairingData();
        boolean loggingIn = payload.hasUsername();
        if (registering == loggingIn) {
            throw new SandboxProtocolException("client payload must either register or log in");
        }
        if (loggingIn) {
            if (!payload.hasDevice() || !payload.getPull()) {
                throw new SandboxProtocolException("login payload needs device and pull=true");
            }
            return new Login(Long.toUnsignedString(payload.getUsername()), payload.getDevice(), announced);
        }
        return new Register(registration(payload.getDevicePairingData(), noiseKey));
    }

    private static Registration registration(ClientPayload.DevicePairingRegistrationData data, byte[] noiseKey)
            throws SandboxProtocolException {
        byte[] regId = exact(data.getERegid().toByteArray(), 4, "eRegid");
        byte[] keyType = exact(data.getEKeytype().toByteArray(), 1, "eKeytype");
        if (keyType[0] != KEY_TYPE_CURVE25519) {
            throw new SandboxProtocolException("eKeytype must be 5 (Curve25519)");
        }
        byte[] identity = exact(data.getEIdent().toByteArray(), 32, "eIdent");
        byte[] signedPreKeyId = exact(data.getESkeyId().toByteArray(), 3, "eSkeyId");
        byte[] signedPreKey = exact(data.getESkeyVal().toByteArray(), 32, "eSkeyVal");
        byte[] signature = exact(data.getESkeySig().toByteArray(), 64, "eSkeySig");
        exact(data.getBuildHash().toByteArray(), 16, "buildHash");
        byte[] signed = new byte[33];
        signed[0] = KEY_TYPE_CURVE25519;
        System.arraycopy(signedPreKey, 0, signed, 1, 32);
        if (!XEdDsa.verify(identity, signed, signature)) {
            throw new SandboxProtocolException("signed pre-key signature does not verify with the identity key");
        }
        DeviceProps props;
        try {
            props = DeviceProps.parseFrom(data.getDeviceProps());
        } catch (InvalidProtocolBufferException e) {
            throw new SandboxProtocolException("deviceProps is not a DeviceProps");
        }
        int registrationId = ByteBuffer.wrap(regId).getInt();
        return new Registration(noiseKey, identity, registrationId, signedPreKeyId, signedPreKey, signature,
                props.getPlatformType());
    }

    private static byte[] exact(byte[] value, int size, String field) throws SandboxProtocolException {
        if (value.length != size) {
            throw new SandboxProtocolException(field + " must be " + size + " bytes, was " + value.length);
        }
        return value;
    }
}
