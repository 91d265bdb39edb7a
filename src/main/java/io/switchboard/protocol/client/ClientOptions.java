package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.TokenDictionary;
import io.switchboard.protocol.noise.CertificateVerifier;
import io.switchboard.protocol.noise.FrameEncoder;
import io.switchboard.protocol.proto.DeviceProps;
import java.net.URI;
import java.time.Duration;

/**
 * Everything a client needs that is not credentials. The defaults are WhatsApp's real endpoint
 * and root key; the sandbox is reached by replacing {@code url} and {@code trustRoot}.
 *
 * @param webVersion   the WhatsApp Web version announced
 */
public record ClientOptions(URI url, String origin, byte[] trustRoot, WebVersion webVersion, int dictionaryVersion,
        String browserOs, DeviceProps.PlatformType platformType, Duration connectTimeout,
        Duration keepAliveInterval, Duration deadConnectionTimeout, Duration firstQrLifetime,
        Duration laterQrLifetime, Duration queryTimeout, int maxFrameSize) {

    public static final URI WHATSAPP_URL = URI.create("wss://web.whatsapp.com/ws/chat");
    public static final String WHATSAPP_ORIGIN = "https://web.whatsapp.com";

    public ClientOptions {
        java.util.Objects.requireNonNull(webVersion, "webVersion");
        if (!TokenDictionary.isSupported(dictionaryVersion)) {
            throw new IllegalArgumentException("unsupported dictionary version " + dictionaryVersion);
        }
        trustRoot = trustRoot.clone();
    }

    public static ClientOptions whatsApp(WebVersion webVersion) {
        return new ClientOptions(WHATSAPP_URL, WHATSAPP_ORIGIN, CertificateVerifier.WHATSAPP_ROOT_KEY, webVersion,
                TokenDictionary.CURRENT_VERSION, "Switchboard", DeviceProps.PlatformType.DESKTOP,
                Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(65),
                Duration.ofSeconds(60), Duration.ofSeconds(20), Duration.ofSeconds(60), FrameEncoder.MAX_FRAME_SIZE);
    }

    public ClientOptions withEndpoint(URI newUrl, byte[] newTrustRoot) {
        return new ClientOptions(newUrl, origin, newTrustRoot, webVersion, dictionaryVersion, browserOs, platformType,
                connectTimeout, keepAliveInterval, deadConnectionTimeout, firstQrLifetime, laterQrLifetime,
                queryTimeout, maxFrameSize);
    }

    public ClientOptions withTimings(Duration newKeepAlive, Duration newDeadTimeout, Duration newFirstQr,
            Duration newLaterQr) {
        return new ClientOptions(url, origin, trustRoot, webVersion, dictionaryVersion, browserOs, platformType,
                connectTimeout, newKeepAlive, newDeadTimeout, newFirstQr, newLaterQr, queryTimeout, maxFrameSize);
    }

    public ClientOptions withConnectTimeout(Duration newConnectTimeout) {
        return new ClientOptions(url, origin, trustRoot, webVersion, dictionaryVersion, browserOs, platformType,
                newConnectTimeout, keepAliveInterval, deadConnectionTimeout, firstQrLifetime, laterQrLifetime,
                queryTimeout, maxFrameSize);
    }

    public ClientOptions withWebVersion(WebVersion newVersion) {
        return new ClientOptions(url, origin, trustRoot, newVersion, dictionaryVersion, browserOs, platformType,
                connectTimeout, keepAliveInterval, deadConnectionTimeout, firstQrLifetime, laterQrLifetime,
                queryTimeout, maxFrameSize);
    }

    @Override
    public byte[] trustRoot() {
        return trustRoot.clone();
    }

    public String webVersionText() {
        return webVersion.toString();
    }
}
