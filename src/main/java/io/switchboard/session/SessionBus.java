package io.switchboard.session;

import io.switchboard.session.store.CommandStore;
import io.switchboard.session.store.RemovalStore;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * PostgreSQL LISTEN/NOTIFY for the replicas: session rows changed (QR, state, owner), commands
 * for an owner, commands done, devices queued for removal, texts queued, events written. One dedicated connection per replica,
 * reconnected when it drops; after a reconnect every listener is told to re-read, since
 * notifications sent meanwhile are lost.
 */
@ApplicationScoped
class SessionBus {

    static final String SESSION_CHANNEL = "switchboard_session";
    private static final Logger LOG = Logger.getLogger(SessionBus.class);
    private static final long RECONNECT_MILLIS = 500;

    private final Vertx vertx;
    private final PgConnectOptions connectOptions;
    private final Map<String, Consumer<String>> handlers = new ConcurrentHashMap<>();
    private volatile Runnable onResubscribed = () -> { };
    private volatile PgSubscriber subscriber;
    private volatile boolean stopped;

    SessionBus(Vertx vertx, @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:") ? url.substring(15) : url);
        user.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        this.connectOptions = options.setConnectTimeout(2000);
    }

    void on(String channel, Consumer<String> handler) {
        handlers.put(channel, handler);
    }

    void onResubscribed(Runnable action) {
        onResubscribed = action;
    }

    void start() {
        PgSubscriber created = PgSubscriber.subscriber(vertx, connectOptions)
                .reconnectPolicy(retries -> stopped ? -1L : RECONNECT_MILLIS);
        List<String> channels = List.of(SESSION_CHANNEL, CommandStore.CHANNEL, CommandStore.DONE_CHANNEL, RemovalStore.CHANNEL,
                io.switchboard.messaging.OutboxStore.CHANNEL, io.switchboard.events.EventStore.CHANNEL);
        for (String channel : channels) {
            created.channel(channel)
                    .subscribeHandler(ignored -> {
                        if (SESSION_CHANNEL.equals(channel)) {
                            onResubscribed.run();
                        }
                    })
                    .handler(payload -> dispatch(channel, payload));
        }
        created.closeHandler(ignored -> {
            if (!stopped) {
                LOG.warn("session notifications lost their PostgreSQL connection; reconnecting");
                vertx.setTimer(RECONNECT_MILLIS, t -> connect(created));
            }
        });
        subscriber = created;
        connect(created);
    }

    private void connect(PgSubscriber target) {
        if (stopped || subscriber != target) {
            return;
        }
        target.connect().onFailure(error -> {
            LOG.warnf("cannot listen for session notifications yet: %s", error.getMessage());
            vertx.setTimer(RECONNECT_MILLIS, t -> connect(target));
        });
    }

    /** Hands a notification to its channel's handler; none once stopped (a replica shutting down hears its own hand-over). */
    void dispatch(String channel, String payload) {
        Consumer<String> handler = handlers.get(channel);
        if (handler == null || stopped) {
            return;
        }
        try {
            handler.accept(payload);
        } catch (RuntimeException e) {
            LOG.errorf(e, "handling a %s notification failed", channel);
        }
    }

    void stop() {
        stopped = true;
        PgSubscriber current = subscriber;
        if (current != null) {
            current.close();
        }
    }
}
