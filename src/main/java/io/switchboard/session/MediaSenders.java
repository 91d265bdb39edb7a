package io.switchboard.session;

import io.switchboard.messaging.MediaBlobStore;
import io.switchboard.messaging.MediaConfig;
import io.switchboard.messaging.MediaSender;
import io.switchboard.messaging.OutboxStore;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one {@link MediaSender} of this replica, trusting what {@code switchboard.media.trust-certificate}
 * says: the system's trust (unset), the sandbox of this process ({@code sandbox}), a PEM certificate
 * or a file holding one. A value that names nothing usable fails the first upload or download with a message naming the key.
 */
@ApplicationScoped
class MediaSenders {

    @Produces
    @jakarta.inject.Singleton
    MediaSender mediaSender(MediaBlobStore blobs, OutboxStore outbox, Vertx vertx, MediaConfig config, Instance<LocalWhatsApp> local,
            io.switchboard.protocol.media.MediaDownloader downloads, io.switchboard.session.store.MessageStore messages) {
        return new MediaSender(blobs, outbox, vertx, trust(config, local), config, downloads, messages);
    }

    @Produces
    @jakarta.inject.Singleton
    io.switchboard.protocol.media.MediaDownloader mediaDownloader(Vertx vertx, MediaConfig config, Instance<LocalWhatsApp> local) {
        return new io.switchboard.protocol.media.MediaDownloader(vertx, trust(config, local), config.downloadTimeout());
    }

    /**
     * The certificate, read when media first needs it (as the WhatsApp trust root is): a process
     * whose sandbox is off but whose setting says {@code sandbox} fails its media, not its start.
     */
    private static java.util.function.Supplier<String> trust(MediaConfig config, Instance<LocalWhatsApp> local) {
        return () -> config.trustCertificate().map(value -> certificate(value.trim(), local)).orElse(null);
    }

    private static String certificate(String value, Instance<LocalWhatsApp> local) {
        if (ClientOptionsFactory.SANDBOX_ROOT.equals(value)) {
            return (local.isResolvable() ? local.get().mediaCertificate() : java.util.Optional.<String>empty())
                    .orElseThrow(() -> new IllegalStateException("switchboard.media.trust-certificate is"
                            + " 'sandbox' but the sandbox is not enabled in this process; give the sandbox's certificate (GET"
                            + " /sandbox/v1/media-ca) as PEM or a file"));
        }
        if (value.startsWith("-----BEGIN CERTIFICATE-----")) {
            return value;
        }
        try {
            String pem = Files.readString(Path.of(value));
            if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
                throw new IllegalStateException("switchboard.media.trust-certificate file " + value
                        + " holds no PEM certificate");
            }
            return pem;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new IllegalStateException("switchboard.media.trust-certificate is neither 'sandbox', a PEM"
                    + " certificate nor a readable file: " + e.getMessage());
        }
    }
}
