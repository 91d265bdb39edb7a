package io.switchboard.protocol.client;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * One Vert.x WebSocket client per Vert.x instance and frame limit, shared by every connection:
 * a client per connection cost a pool, close hooks and their memory for each of thousands of
 * sessions. The shared client never limits how many sockets are open to one host (Vert.x allows
 * 50 per endpoint by default); each connection closes its own socket, never the client.
 */
final class SocketClients {

    /** Sockets one client may hold open to one host: every organization of a replica talks to the same WhatsApp host. */
    static final int MAX_SOCKETS_PER_HOST = 1_000_000;

    private static final Map<Vertx, Map<Integer, WebSocketClient>> CLIENTS = new WeakHashMap<>();

    private SocketClients() {
    }

    static synchronized WebSocketClient shared(Vertx vertx, int maxFrameSize) {
        return CLIENTS.computeIfAbsent(vertx, v -> new java.util.HashMap<>()).computeIfAbsent(maxFrameSize,
                size -> vertx.createWebSocketClient(new WebSocketClientOptions()
                        .setMaxFrameSize(size)
                        .setMaxMessageSize(size + 3)
                        .setMaxConnections(MAX_SOCKETS_PER_HOST)));
    }
}
