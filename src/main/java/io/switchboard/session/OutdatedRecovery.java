package io.switchboard.session;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.WebVersion;
import io.switchboard.session.store.SessionStore;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Linked organizations that WhatsApp refused as outdated come back by themselves: while any sit
 * in CLIENT_OUTDATED, the published version is read every {@code version-recheck-interval}, and
 * each version newer than the last one tried here gets one login for all of them.
 */
@ApplicationScoped
class OutdatedRecovery {

    private static final Logger LOG = Logger.getLogger(OutdatedRecovery.class);
    private static final int BATCH = 10_000;

    private final SessionStore store;
    private final WebVersions versions;
    private final SessionSupervisor supervisor;
    private final SessionConfig config;
    private final Vertx vertx;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile WebVersion lastTried;
    private long timer = -1;

    OutdatedRecovery(SessionStore store, WebVersions versions, SessionSupervisor supervisor, SessionConfig config, Vertx vertx) {
        this.store = store;
        this.versions = versions;
        this.supervisor = supervisor;
        this.config = config;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent event) {
        long every = config.versionRecheckInterval().toMillis();
        if (every < 1) {
            throw ClientOptionsFactory.invalid("version-recheck-interval", "must be greater than zero");
        }
        timer = vertx.setPeriodic(every, t -> tick());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** One pass; a pass still running makes this one a no-op. */
    void tick() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        store.outdatedLinked(BATCH).flatMap(this::recover)
                .eventually(() -> running.set(false))
                .subscribe().with(ok -> { }, error -> LOG.debugf("outdated recovery pass failed: %s", error.getMessage()));
    }

    private Uni<Void> recover(List<UUID> outdated) {
        if (outdated.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return versions.refresh().flatMap(fetch -> {
            WebVersion now = versions.current();
            WebVersion tried = lastTried;
            if (tried != null && !now.isNewerThan(tried)) {
                return Uni.createFrom().voidItem();
            }
            lastTried = now;
            LOG.infof("%d organizations refused as outdated log in again announcing WhatsApp Web %s", outdated.size(), now);
            return Multi.createFrom().iterable(outdated)
                    .onItem().transformToUni(id -> supervisor.execute(id, SessionCommand.RECONNECT).replaceWithVoid()
                            .onFailure().invoke(error -> LOG.debugf("organization %s did not log in again: %s", id,
                                    error.getMessage()))
                            .onFailure().recoverWithNull())
                    .merge(config.adoptionConcurrency())
                    .collect().last().replaceWithVoid();
        });
    }
}
