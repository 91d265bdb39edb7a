package io.switchboard.sandbox.admin;

import io.switchboard.sandbox.server.SandboxOptions;
import io.switchboard.sandbox.server.SandboxServer;
import io.switchboard.session.LocalWhatsApp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Mounts the sandbox's WebSocket on the service's own HTTP port, only when enabled. */
@ApplicationScoped
public class SandboxMount implements LocalWhatsApp {

    public static final String WEBSOCKET_PATH = "/sandbox/ws/chat";
    private static final Logger LOG = Logger.getLogger(SandboxMount.class);

    private final SandboxConfig config;
    private final Vertx vertx;
    private volatile SandboxServer server;

    SandboxMount(SandboxConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    void mount(@Observes Router router) {
        if (!config.enabled()) {
            return;
        }
        SandboxServer running = started();
        router.route(WEBSOCKET_PATH).handler(context -> {
            HttpServerRequest request = context.request();
            request.toWebSocket().onSuccess(socket -> running.accept(socket, () -> request.connection().close()))
                    .onFailure(error -> LOG.debugf("sandbox upgrade refused: %s", error.getMessage()));
        });
        LOG.infof("WhatsApp sandbox listening at %s", WEBSOCKET_PATH);
    }

    /** The running sandbox, empty when disabled. */
    public Optional<SandboxServer> server() {
        return config.enabled() ? Optional.of(started()) : Optional.empty();
    }

    @Override
    public Optional<byte[]> trustRoot() {
        return server().map(SandboxServer::trustRoot);
    }

    private synchronized SandboxServer started() {
        if (server == null) {
            server = new SandboxServer(vertx, options(config), Clock.systemUTC());
        }
        return server;
    }

    static SandboxOptions options(SandboxConfig config) {
        String[] parts = config.minClientVersion().split("\\.");
        if (parts.length != 3) {
            throw new IllegalArgumentException("switchboard.sandbox.min-client-version must look like 2.3000.0");
        }
        int[] version = {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
        return new SandboxOptions(version, config.qrRefs(), config.firstRefLifetime(), config.laterRefLifetime(),
                config.firstFrameDelay());
    }
}
