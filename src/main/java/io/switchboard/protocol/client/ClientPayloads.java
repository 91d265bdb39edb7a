package io.switchboard.protocol.client;

import com.google.protobuf.ByteString;
import io.switchboard.protocol.proto.ClientPayload;
import io.switchboard.protocol.proto.DeviceProps;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The ClientPayload sent inside ClientFinish: registration for a new device, login for a linked one. */
final class ClientPayloads {

    private static final byte[] KEY_TYPE_CURVE25519 = {5};

    private ClientPayloads() {
    }

    static byte[] forCredentials(Credentials credentials, ClientOptions options) {
        return credentials.account().map(account -> login(account, options)).orElseGet(() -> registration(credentials, options))
                .toByteArray();
    }

    static ClientPayload login(Credentials.Account account, ClientOptions options) {
        return common(options)
                .setUsername(Long.parseUnsignedLong(account.phone()))
                .setDevice(account.device())
                // Passive until <iq xmlns="passive"><active/> after success, as WhatsApp Web, Baileys 7 and whatsmeow log in.
                .setPassive(true)
                .setPull(true)
                .build();
    }

    static ClientPayload registration(Credentials credentials, ClientOptions options) {
        DeviceProps props = DeviceProps.newBuilder()
                .setOs(options.browserOs())
                .setVersion(DeviceProps.AppVersion.newBuilder().setPrimary(0).setSecondary(1).setTertiary(0))
                .setPlatformType(options.platformType())
                .setRequireFullSync(false)
                .build();
        byte[] preKeyId = ByteBuffer.allocate(4).putInt(credentials.signedPreKey().id()).array();
        return common(options)
                .setPassive(false)
                .setPull(false)
                .setDevicePairingData(ClientPayload.DevicePairingRegistrationData.newBuilder()
                        .setERegid(ByteString.copyFrom(ByteBuffer.allocate(4).putInt(credentials.registrationId()).array()))
                        .setEKeytype(ByteString.copyFrom(KEY_TYPE_CURVE25519))
                        .setEIdent(ByteString.copyFrom(credentials.identityKey().publicKey()))
                        .setESkeyId(ByteString.copyFrom(preKeyId, 1, 3))
                        .setESkeyVal(ByteString.copyFrom(credentials.signedPreKey().keyPair().publicKey()))
                        .setESkeySig(ByteString.copyFrom(credentials.signedPreKey().signature()))
                        .setBuildHash(ByteString.copyFrom(md5(options.webVersionText())))
                        .setDeviceProps(props.toByteString()))
                .build();
    }

    private static ClientPayload.Builder common(ClientOptions options) {
        WebVersion version = options.webVersion();
        return ClientPayload.newBuilder()
                .setConnectType(ClientPayload.ConnectType.WIFI_UNKNOWN)
                .setConnectReason(ClientPayload.ConnectReason.USER_ACTIVATED)
                .setUserAgent(ClientPayload.UserAgent.newBuilder()
                        .setPlatform(ClientPayload.UserAgent.Platform.WEB)
                        .setAppVersion(ClientPayload.UserAgent.AppVersion.newBuilder()
                                .setPrimary((int) version.primary()).setSecondary((int) version.secondary())
                                .setTertiary((int) version.tertiary()))
                        .setMcc("000").setMnc("000")
                        .setOsVersion("0.1").setDevice("Desktop").setOsBuildNumber("0.1")
                        .setReleaseChannel(ClientPayload.UserAgent.ReleaseChannel.RELEASE)
                        .setLocaleLanguageIso6391("en").setLocaleCountryIso31661Alpha2("US"))
                .setWebInfo(ClientPayload.WebInfo.newBuilder()
                        .setWebSubPlatform(ClientPayload.WebInfo.WebSubPlatform.WEB_BROWSER));
    }

    private static byte[] md5(String text) {
        try {
            return MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 unavailable", e);
        }
    }
}
