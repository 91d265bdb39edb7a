package io.switchboard.sandbox.server;

import io.switchboard.protocol.proto.DeviceProps;

/**
 * What a new device announced in its registration payload (its Signal identity and keys), kept
 * by the sandbox so that later logins and key queries can be checked against it.
 */
record Registration(byte[] noiseKey, byte[] identityKey, int registrationId, byte[] signedPreKeyId,
        byte[] signedPreKey, byte[] signedPreKeySignature, DeviceProps.PlatformType platformType) {
}
