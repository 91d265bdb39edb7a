package io.switchboard.benchmark;

import io.switchboard.protocol.client.ClientOptions;
import io.switchboard.protocol.client.WebVersion;
import io.switchboard.sandbox.server.SandboxOptions;
import io.switchboard.sandbox.server.SandboxServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** A sandbox on its own Vert.x and a loopback port, for benchmarks that run clients against it. */
final class LoopbackSandbox implements AutoCloseable {

    final Vertx vertx = Vertx.vertx();
    final SandboxServer sandbox = new SandboxServer(vertx, SandboxOptions.DEFAULTS, Clock.systemUTC());
    private final HttpServer http;

    LoopbackSandbox() throws Exception {
        http = vertx.createHttpServer()
                .requestHandler(request -> request.toWebSocket().onSuccess(ws -> sandbox.accept(ws, () -> request.connection().close())))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    ClientOptions clientOptions() {
        return ClientOptions.whatsApp(new WebVersion(2, 3000, 1_029_496_320))
                .withEndpoint(URI.create("ws://127.0.0.1:" + http.actualPort() + "/ws/chat"), sandbox.trustRoot());
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
