package io.switchboard.sandbox.admin;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.switchboard.sandbox.server.SandboxException;
import io.switchboard.sandbox.server.SandboxOptions;
import io.switchboard.sandbox.server.SandboxServer;
import io.switchboard.sandbox.server.WebVersionPolicy;
import io.switchboard.session.LocalWhatsApp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.Optional;
import org.jboss.logging.Logger;

/** Mounts the sandbox's WebSocket on the service's own HTTP port, only when enabled. */
@ApplicationScoped
public class SandboxMount implements LocalWhatsApp {

    public static final String WEBSOCKET_PATH = "/sandbox/ws/chat";
    public static final String SERVICE_WORKER_PATH = "/sandbox/sw.js";
    private static final Logger LOG = Logger.getLogger(SandboxMount.class);

    private final SandboxConfig config;
    private final Vertx vertx;
    private volatile SandboxServer server;

    SandboxMount(SandboxConfig config, Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent event) {
        server();
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
        // What web.whatsapp.com/sw.js is for version checks: public, no authentication.
        router.get(SERVICE_WORKER_PATH).handler(context -> running.serviceWorker().ifPresentOrElse(
                script -> context.response().putHeader("content-type", "application/javascript").end(script),
                () -> context.response().setStatusCode(503).putHeader("content-type", "text/plain")
                        .end("sw.js withheld by the sandbox (PUT /sandbox/v1/web-version {\"published\": true})")));
        LOG.infof("WhatsApp sandbox listening at %s (version script at %s)", WEBSOCKET_PATH, SERVICE_WORKER_PATH);
    }

    /** The running sandbox, empty when disabled. */
    public Optional<SandboxServer> server() {
        return config.enabled() ? Optional.of(started()) : Optional.empty();
    }

    @Override
    public Optional<byte[]> trustRoot() {
        return server().map(SandboxServer::trustRoot);
    }

    @Override
    public Optional<String> mediaCertificate() {
        return server().map(running -> running.media().certificatePem());
    }

    private synchronized SandboxServer started() {
        if (server == null) {
            refuseInProduction(config, LaunchMode.current());
            server = new SandboxServer(vertx, options(config), Clock.systemUTC());
            try {
                // Listening before the first client asks media_conn, and the port known to what reads the certificate.
                server.media().start(config.mediaPort()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("the sandbox media host could not listen on port " + config.mediaPort(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return server;
    }

    /** Production serves no sandbox unless explicitly, loudly allowed. */
    static void refuseInProduction(SandboxConfig config, LaunchMode mode) {
        if (mode != LaunchMode.NORMAL) {
            return;
        }
        if (!config.allowInProduction()) {
            throw new IllegalStateException("Refusing to start: switchboard.sandbox.enabled=true in a production build. The"
                    + " sandbox is an unauthenticated fake WhatsApp; set switchboard.sandbox.allow-in-production=true only"
                    + " for a test deployment.");
        }
        LOG.warn("THE WHATSAPP SANDBOX IS ENABLED IN A PRODUCTION BUILD (switchboard.sandbox.allow-in-production=true):"
                + " anyone who reaches " + WEBSOCKET_PATH + " talks to a fake WhatsApp. Test deployments only.");
    }

    static SandboxOptions options(SandboxConfig config) {
        long[] version;
        try {
            version = WebVersionPolicy.parse(config.minClientVersion(), "switchboard.sandbox.min-client-version");
        } catch (SandboxException e) {
            throw new IllegalStateException("Refusing to start: " + e.getMessage());
        }
        return new SandboxOptions(version, config.qrRefs(), config.firstRefLifetime(), config.laterRefLifetime(),
                config.companionRefreshAfter(),
                config.firstFrameDelay());
    }
}
