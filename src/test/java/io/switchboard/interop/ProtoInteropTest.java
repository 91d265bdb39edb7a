package io.switchboard.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.protocol.proto.ADVDeviceIdentity;
import io.switchboard.protocol.proto.ADVEncryptionType;
import io.switchboard.protocol.proto.ADVSignedDeviceIdentity;
import io.switchboard.protocol.proto.ADVSignedDeviceIdentityHMAC;
import io.switchboard.protocol.proto.CertChain;
import io.switchboard.protocol.proto.ClientPayload;
import io.switchboard.protocol.proto.DeviceProps;
import io.switchboard.protocol.proto.HandshakeMessage;
import io.switchboard.protocol.proto.Message;
import io.switchboard.protocol.proto.MessageContextInfo;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Our protobuf subset, encoded by us, read back field by field by Baileys' own schema. */
class ProtoInteropTest {

    private static ByteString bytes(int length, int fill) {
        byte[] data = new byte[length];
        java.util.Arrays.fill(data, (byte) fill);
        return ByteString.copyFrom(data);
    }

    private static String b64(ByteString value) {
        return Base64.getEncoder().encodeToString(value.toByteArray());
    }

    private static JsonNode decode(BaileysJudge judge, String type, MessageLite message) {
        return judge.ask(BaileysJudge.request("proto").put("type", type)
                .put("bytes", Base64.getEncoder().encodeToString(message.toByteArray()))).get("message");
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    void handshakeMessages(Release release) {
        try (BaileysJudge judge = BaileysJudge.start(release)) {
            JsonNode hello = decode(judge, "HandshakeMessage", HandshakeMessage.newBuilder()
                    .setClientHello(HandshakeMessage.ClientHello.newBuilder().setEphemeral(bytes(32, 1))).build());
            assertEquals(b64(bytes(32, 1)), hello.at("/clientHello/ephemeral").asText());

            JsonNode server = decode(judge, "HandshakeMessage", HandshakeMessage.newBuilder()
                    .setServerHello(HandshakeMessage.ServerHello.newBuilder()
                            .setEphemeral(bytes(32, 2)).setStatic(bytes(48, 3)).setPayload(bytes(100, 4))).build());
            assertEquals(b64(bytes(32, 2)), server.at("/serverHello/ephemeral").asText());
            assertEquals(b64(bytes(48, 3)), server.at("/serverHello/static").asText());
            assertEquals(b64(bytes(100, 4)), server.at("/serverHello/payload").asText());

            JsonNode finish = decode(judge, "HandshakeMessage", HandshakeMessage.newBuilder()
                    .setClientFinish(HandshakeMessage.ClientFinish.newBuilder()
                            .setStatic(bytes(48, 5)).setPayload(bytes(200, 6))).build());
            assertEquals(b64(bytes(48, 5)), finish.at("/clientFinish/static").asText());
            assertEquals(b64(bytes(200, 6)), finish.at("/clientFinish/payload").asText());

            CertChain.NoiseCertificate.Details details = CertChain.NoiseCertificate.Details.newBuilder()
                    .setSerial(7).setIssuerSerial(0).setKey(bytes(32, 7)).setNotBefore(1_700_000_000L)
                    .setNotAfter(4_000_000_000L).build();
            JsonNode parsedDetails = decode(judge, "CertChain.NoiseCertificate.Details", details);
            assertEquals(7, parsedDetails.get("serial").asInt());
            assertEquals(b64(bytes(32, 7)), parsedDetails.get("key").asText());
            assertEquals("4000000000", parsedDetails.get("notAfter").asText());
            JsonNode chain = decode(judge, "CertChain", CertChain.newBuilder()
                    .setLeaf(CertChain.NoiseCertificate.newBuilder().setDetails(details.toByteString()).setSignature(bytes(64, 8)))
                    .setIntermediate(CertChain.NoiseCertificate.newBuilder().setDetails(details.toByteString()).setSignature(bytes(64, 9)))
                    .build());
            assertEquals(b64(bytes(64, 8)), chain.at("/leaf/signature").asText());
            assertEquals(b64(details.toByteString()), chain.at("/intermediate/details").asText());
        }
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    void clientPayloads(Release release) {
        try (BaileysJudge judge = BaileysJudge.start(release)) {
            DeviceProps props = DeviceProps.newBuilder().setOs("Switchboard")
                    .setVersion(DeviceProps.AppVersion.newBuilder().setPrimary(0).setSecondary(1).setTertiary(0))
                    .setPlatformType(DeviceProps.PlatformType.DESKTOP).setRequireFullSync(false).build();
            JsonNode parsedProps = decode(judge, "DeviceProps", props);
            assertEquals("Switchboard", parsedProps.get("os").asText());
            assertEquals(7, parsedProps.get("platformType").asInt());
            assertEquals(1, parsedProps.at("/version/secondary").asInt());

            ClientPayload.UserAgent agent = ClientPayload.UserAgent.newBuilder()
                    .setPlatform(ClientPayload.UserAgent.Platform.WEB)
                    .setAppVersion(ClientPayload.UserAgent.AppVersion.newBuilder()
                            .setPrimary(2).setSecondary(3000).setTertiary(1_029_496_320))
                    .setMcc("000").setMnc("000").setOsVersion("0.1").setDevice("Desktop").setOsBuildNumber("0.1")
                    .setReleaseChannel(ClientPayload.UserAgent.ReleaseChannel.RELEASE)
                    .setLocaleLanguageIso6391("en").setLocaleCountryIso31661Alpha2("US").build();
            ClientPayload registration = ClientPayload.newBuilder()
                    .setPassive(false).setPull(false).setUserAgent(agent)
                    .setWebInfo(ClientPayload.WebInfo.newBuilder()
                            .setWebSubPlatform(ClientPayload.WebInfo.WebSubPlatform.WEB_BROWSER))
                    .setConnectType(ClientPayload.ConnectType.WIFI_UNKNOWN)
                    .setConnectReason(ClientPayload.ConnectReason.USER_ACTIVATED)
                    .setDevicePairingData(ClientPayload.DevicePairingRegistrationData.newBuilder()
                            .setERegid(bytes(4, 1)).setEKeytype(bytes(1, 5)).setEIdent(bytes(32, 2))
                            .setESkeyId(bytes(3, 0)).setESkeyVal(bytes(32, 3)).setESkeySig(bytes(64, 4))
                            .setBuildHash(bytes(16, 5)).setDeviceProps(props.toByteString()))
                    .build();
            JsonNode parsed = decode(judge, "ClientPayload", registration);
            assertEquals(14, parsed.at("/userAgent/platform").asInt());
            assertEquals(1029496320L, parsed.at("/userAgent/appVersion/tertiary").asLong());
            assertEquals("en", parsed.at("/userAgent/localeLanguageIso6391").asText());
            assertEquals("US", parsed.at("/userAgent/localeCountryIso31661Alpha2").asText());
            assertEquals(1, parsed.get("connectType").asInt());
            assertEquals(1, parsed.get("connectReason").asInt());
            assertEquals(b64(bytes(32, 2)), parsed.at("/devicePairingData/eIdent").asText());
            assertEquals(b64(bytes(64, 4)), parsed.at("/devicePairingData/eSkeySig").asText());
            assertEquals(b64(props.toByteString()), parsed.at("/devicePairingData/deviceProps").asText());

            ClientPayload login = ClientPayload.newBuilder().setUsername(15551234567L).setDevice(5)
                    .setPassive(false).setPull(true).setUserAgent(agent).build();
            JsonNode parsedLogin = decode(judge, "ClientPayload", login);
            assertEquals("15551234567", parsedLogin.get("username").asText());
            assertEquals(5, parsedLogin.get("device").asInt());
            assertEquals(true, parsedLogin.get("pull").asBoolean());
        }
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    void pairingIdentities(Release release) {
        try (BaileysJudge judge = BaileysJudge.start(release)) {
            ADVDeviceIdentity identity = ADVDeviceIdentity.newBuilder().setRawId(123456).setTimestamp(1_764_000_000L)
                    .setKeyIndex(1).setAccountType(ADVEncryptionType.E2EE).setDeviceType(ADVEncryptionType.HOSTED).build();
            JsonNode parsedIdentity = decode(judge, "ADVDeviceIdentity", identity);
            assertEquals(123456, parsedIdentity.get("rawId").asInt());
            assertEquals("1764000000", parsedIdentity.get("timestamp").asText());
            assertEquals(1, parsedIdentity.get("keyIndex").asInt());
            assertEquals(1, parsedIdentity.get("deviceType").asInt());

            ADVSignedDeviceIdentity signed = ADVSignedDeviceIdentity.newBuilder().setDetails(identity.toByteString())
                    .setAccountSignatureKey(bytes(32, 1)).setAccountSignature(bytes(64, 2))
                    .setDeviceSignature(bytes(64, 3)).build();
            JsonNode parsedSigned = decode(judge, "ADVSignedDeviceIdentity", signed);
            assertEquals(b64(identity.toByteString()), parsedSigned.get("details").asText());
            assertEquals(b64(bytes(32, 1)), parsedSigned.get("accountSignatureKey").asText());
            assertEquals(b64(bytes(64, 2)), parsedSigned.get("accountSignature").asText());
            assertEquals(b64(bytes(64, 3)), parsedSigned.get("deviceSignature").asText());

            JsonNode parsedHmac = decode(judge, "ADVSignedDeviceIdentityHMAC", ADVSignedDeviceIdentityHMAC.newBuilder()
                    .setDetails(signed.toByteString()).setHmac(bytes(32, 9)).setAccountType(ADVEncryptionType.HOSTED).build());
            assertEquals(b64(signed.toByteString()), parsedHmac.get("details").asText());
            assertEquals(b64(bytes(32, 9)), parsedHmac.get("hmac").asText());
            assertEquals(1, parsedHmac.get("accountType").asInt());
        }
    }

    @ParameterizedTest
    @EnumSource(Release.class)
    void messages(Release release) {
        try (BaileysJudge judge = BaileysJudge.start(release)) {
            Message text = Message.newBuilder().setConversation("olá")
                    .setMessageContextInfo(MessageContextInfo.newBuilder().setDeviceListMetadataVersion(2)
                            .setMessageSecret(bytes(32, 7))).build();
            JsonNode parsed = decode(judge, "Message", text);
            assertEquals("olá", parsed.get("conversation").asText());
            assertEquals(2, parsed.at("/messageContextInfo/deviceListMetadataVersion").asInt());
            assertEquals(b64(bytes(32, 7)), parsed.at("/messageContextInfo/messageSecret").asText());

            JsonNode copy = decode(judge, "Message", Message.newBuilder().setDeviceSentMessage(Message.DeviceSentMessage
                    .newBuilder().setDestinationJid("15550001111@s.whatsapp.net").setMessage(text).setPhash("2:abc")).build());
            assertEquals("15550001111@s.whatsapp.net", copy.at("/deviceSentMessage/destinationJid").asText());
            assertEquals("olá", copy.at("/deviceSentMessage/message/conversation").asText());
            assertEquals("2:abc", copy.at("/deviceSentMessage/phash").asText());

            JsonNode extended = decode(judge, "Message", Message.newBuilder().setExtendedTextMessage(
                    Message.ExtendedTextMessage.newBuilder().setText("a link")).build());
            assertEquals("a link", extended.at("/extendedTextMessage/text").asText());
        }
    }
}
