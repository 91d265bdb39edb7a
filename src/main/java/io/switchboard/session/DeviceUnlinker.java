package io.switchboard.session;

import io.switchboard.protocol.client.ClientEvent;
import io.switchboard.protocol.client.DisconnectReason;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.session.store.RemovalStore;
import io.vertx.core.Future;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Tells WhatsApp about devices forgotten here (no ghost devices on the user's phone): for each
 * queued removal it logs in with the old credentials just to send remove-companion-device, and
 * retries with backoff until WhatsApp confirms or says the device is already gone.
 */
@ApplicationScoped
class DeviceUnlinker {

    private static final Logger LOG = Logger.getLogger(DeviceUnlinker.class);
    private static final int PARALLEL = 2;
    private static final Duration HOLD = Duration.ofSeconds(60);
    private static final long ATTEMPT_DEADLINE_MILLIS = 30_000;
    private static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    private static final Duration LAST_RETRY = Duration.ofHours(1);

    private final SessionRegistry registry;
    private final RemovalStore removals;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicBoolean claiming = new AtomicBoolean();

    DeviceUnlinker(SessionRegistry registry, RemovalStore removals) {
        this.registry = registry;
        this.removals = removals;
    }

    void tick() {
        int free = PARALLEL - running.get();
        if (free <= 0 || !claiming.compareAndSet(false, true)) {
            return;
        }
        removals.claim(registry.context().replicaId(), HOLD, free).eventually(() -> claiming.set(false))
                .subscribe().with(claimed -> claimed.forEach(this::unlink),
                        error -> LOG.warnf("claiming device removals failed: %s", error.getMessage()));
    }

    private void unlink(RemovalStore.Removal removal) {
        if (removal.credentials() == null) {
            LOG.errorf("device removal %d of %s: the stored credentials cannot be opened (%s); retrying in an hour",
                    removal.id(), removal.organizationId(), removal.problem());
            removals.retryLater(removal.id(), LAST_RETRY, removal.problem()).subscribe().with(ok -> { }, error -> { });
            return;
        }
        running.incrementAndGet();
        SessionContext ctx = registry.context();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean loggingOut = new AtomicBoolean();
        AtomicReference<WhatsAppClient> holder = new AtomicReference<>();
        AtomicReference<Long> timer = new AtomicReference<>(-1L);
        java.util.function.Consumer<String> finish = problem -> {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            ctx.vertx().cancelTimer(timer.get());
            holder.get().close();
            running.decrementAndGet();
            if (problem == null) {
                LOG.infof("device of %s unlinked from WhatsApp (removal %d)", removal.organizationId(), removal.id());
                removals.done(removal.id()).subscribe().with(ok -> { },
                        error -> LOG.warnf("removal %d done but not recorded: %s", removal.id(), error.getMessage()));
                return;
            }
            Duration delay = ctx.reconnectPolicy().withBounds(FIRST_RETRY, LAST_RETRY).delay(removal.attempts());
            LOG.warnf("unlinking the device of %s failed (attempt %d, next in %s): %s", removal.organizationId(),
                    removal.attempts(), delay, problem);
            removals.retryLater(removal.id(), delay, problem).subscribe().with(ok -> { },
                    error -> LOG.warnf("removal %d not rescheduled (its claim will lapse): %s", removal.id(), error.getMessage()));
        };
        WhatsAppClient client = new WhatsAppClient(ctx.vertx(), ctx.options(), removal.credentials(),
                refused -> Future.failedFuture("this connection only unlinks the device"),
                event -> {
                    if (event instanceof ClientEvent.Connected && loggingOut.compareAndSet(false, true)) {
                        holder.get().logout().onComplete(done -> finish.accept(done.succeeded() ? null
                                : "WhatsApp did not confirm the removal: " + done.cause().getMessage()));
                    } else if (event instanceof ClientEvent.Disconnected && !loggingOut.get()) {
                        DisconnectReason reason = ((ClientEvent.Disconnected) event).reason();
                        boolean gone = reason == DisconnectReason.LOGGED_OUT || reason == DisconnectReason.FORBIDDEN;
                        finish.accept(gone ? null : reason + ": " + ((ClientEvent.Disconnected) event).detail());
                    }
                });
        holder.set(client);
        timer.set(ctx.vertx().setTimer(ATTEMPT_DEADLINE_MILLIS, t -> finish.accept("no answer within "
                + ATTEMPT_DEADLINE_MILLIS + " ms")));
        client.start();
    }
}
