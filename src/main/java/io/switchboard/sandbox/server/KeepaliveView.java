package io.switchboard.sandbox.server;

/** Logged-in connections, pings received and the longest silence of any (does every device keep its connection alive?). */
public record KeepaliveView(int connections, long pings, long longestSilenceMillis) {
}
