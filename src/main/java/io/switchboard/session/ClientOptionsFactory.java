package io.switchboard.session;

import io.switchboard.protocol.client.ClientOptions;
import io.switchboard.protocol.client.WebVersion;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.net.URI;
import java.util.Base64;
import java.util.Optional;

/**
 * Turns {@code switchboard.whatsapp.*} into the client's options once, at start-up: a bad value
 * stops the service with a message naming its key instead of failing every organization later.
 */
@ApplicationScoped
class ClientOptionsFactory {

    static final String SANDBOX_ROOT = "sandbox";

    private final SessionConfig config;
    private final Instance<LocalWhatsApp> local;
    private volatile ClientOptions options;

    ClientOptionsFactory(SessionConfig config, Instance<LocalWhatsApp> local) {
        this.config = config;
        this.local = local;
    }

    ClientOptions options() {
        ClientOptions built = options;
        if (built == null) {
            built = build();
            options = built;
        }
        return built;
    }

    private ClientOptions build() {
        ClientOptions defaults = ClientOptions.whatsApp(webVersion(config.webVersion()));
        URI url;
        try {
            url = URI.create(config.url());
        } catch (IllegalArgumentException e) {
            throw invalid("url", e.getMessage());
        }
        if (!"ws".equals(url.getScheme()) && !"wss".equals(url.getScheme())) {
            throw invalid("url", "must be a ws:// or wss:// URL, not " + config.url());
        }
        byte[] trustRoot = config.trustRoot().map(this::trustRoot).orElse(defaults.trustRoot());
        return defaults.withEndpoint(url, trustRoot)
                .withTimings(positive("keep-alive-interval", config.keepAliveInterval()),
                        positive("dead-connection-timeout", config.deadConnectionTimeout()),
                        defaults.firstQrLifetime(), defaults.laterQrLifetime())
                .withConnectTimeout(positive("connect-timeout", config.connectTimeout()));
    }

    private byte[] trustRoot(String value) {
        if (SANDBOX_ROOT.equals(value)) {
            Optional<byte[]> root = local.isResolvable() ? local.get().trustRoot() : Optional.empty();
            return root.orElseThrow(() -> invalid("trust-root", "is 'sandbox' but the sandbox is not enabled in this process"
                    + " (switchboard.sandbox.enabled=false); give the remote sandbox's root key in base64"));
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(value.trim());
        } catch (IllegalArgumentException e) {
            throw invalid("trust-root", "is not base64");
        }
        if (key.length != 32) {
            throw invalid("trust-root", "must decode to a 32-byte Curve25519 key, not " + key.length + " bytes");
        }
        return key;
    }

    static WebVersion webVersion(String text) {
        try {
            return WebVersion.parse(text);
        } catch (IllegalArgumentException e) {
            throw invalid("web-version", e.getMessage());
        }
    }

    private static java.time.Duration positive(String key, java.time.Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw invalid(key, "must be greater than zero");
        }
        return value;
    }

    static IllegalStateException invalid(String key, String problem) {
        return new IllegalStateException("Refusing to start: switchboard.whatsapp." + key + " " + problem);
    }
}
