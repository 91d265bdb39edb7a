package io.switchboard.protocol.client;

import io.switchboard.sandbox.server.SandboxOptions;
import io.switchboard.sandbox.server.SandboxServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A sandbox on a loopback port of its own, for client tests that need its timings changed. */
final class SandboxHarness implements AutoCloseable {

    final Vertx vertx = Vertx.vertx();
    final SandboxServer sandbox;
    private final HttpServer http;

    SandboxHarness(SandboxOptions options) throws Exception {
        sandbox = new SandboxServer(vertx, options, Clock.systemUTC());
        http = vertx.createHttpServer()
                .requestHandler(request -> request.toWebSocket()
                        .onSuccess(socket -> sandbox.accept(socket, () -> request.connection().close())))
                .listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static SandboxOptions fastQr(int refs, Duration first, Duration later) {
        return new SandboxOptions(new long[] {2, 3000, 0}, refs, first, later, Duration.ZERO, Duration.ofMillis(20));
    }

    URI url() {
        return URI.create("ws://127.0.0.1:" + http.actualPort() + "/ws/chat");
    }

    ClientOptions clientOptions() {
        return ClientOptions.whatsApp(new WebVersion(2, 3000, 1_029_496_320))
                .withEndpoint(url(), sandbox.trustRoot())
                .withTimings(Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(60), Duration.ofSeconds(20));
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
