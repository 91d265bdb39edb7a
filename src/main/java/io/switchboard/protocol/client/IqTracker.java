package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/** Matches iq answers to the requests we sent, by id, with a timeout. Used on one context only. */
final class IqTracker {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Vertx vertx;
    private final Duration timeout;
    private final String prefix = Integer.toString(RANDOM.nextInt(90_000) + 10_000);
    private final Map<String, Promise<Node>> pending = new HashMap<>();
    private long counter;

    IqTracker(Vertx vertx, Duration timeout) {
        this.vertx = vertx;
        this.timeout = timeout;
    }

    String nextId() {
        return prefix + "." + (++counter);
    }

    Future<Node> expect(String id) {
        Promise<Node> promise = Promise.promise();
        pending.put(id, promise);
        long timer = vertx.setTimer(timeout.toMillis(), t -> {
            if (pending.remove(id) != null) {
                promise.tryFail(new TimeoutException("no answer to iq " + id));
            }
        });
        return promise.future().onComplete(done -> vertx.cancelTimer(timer));
    }

    /** True when {@code node} answered one of our requests. */
    boolean complete(Node node) {
        Promise<Node> promise = pending.remove(node.attribute("id").orElse(""));
        if (promise == null) {
            return false;
        }
        promise.tryComplete(node);
        return true;
    }

    void failAll(String why) {
        pending.values().forEach(p -> p.tryFail(new IllegalStateException(why)));
        pending.clear();
    }
}
