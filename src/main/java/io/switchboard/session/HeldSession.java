package io.switchboard.session;

import io.switchboard.messaging.OutboxConnection;
import io.switchboard.messaging.OutboxSender;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.ClientEvent;
import io.switchboard.protocol.client.ClientOptions;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.client.SignalStore;
import io.switchboard.protocol.client.WebVersion;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.db.Fence;
import io.switchboard.db.FencedException;
import io.switchboard.session.store.SessionRecord;
import io.switchboard.session.store.SessionStore;
import io.switchboard.session.store.StoredSession;
import io.switchboard.session.store.Transition;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * One organization's connection as held by this replica: the claim (owner + epoch) that every write
 * names, the one client that runs under it, the stored record, and the effects on them (claim,
 * release, start and stop the client, fenced writes and transitions). Every change runs in the
 * session's {@link SerialLane}; client events carry the generation of the client that sent them,
 * so a replaced client cannot move the state. Losing the claim (fenced write, renewal refused or
 * late) stops the client without logging out and writes nothing more. What commands and client
 * events mean is decided by {@link OrgSession}.
 */
abstract class HeldSession implements OutboxConnection {

    private static final Logger LOG = Logger.getLogger(HeldSession.class);
    private static final Duration LOGOUT_WAIT = Duration.ofSeconds(5);
    private static final Duration FIRST_WRITE_RETRY = Duration.ofMillis(100);
    private static final Duration LAST_WRITE_RETRY = Duration.ofSeconds(1);

    final UUID id;
    final SessionContext ctx;
    final SerialLane lane;
    volatile Fence fence;
    volatile long trustedUntil;
    volatile SessionState state;
    volatile WhatsAppClient client;
    volatile long retryTimer = -1;
    SessionRecord record;
    boolean linked;
    int generation;
    /** Adoption's callback, told how this session's login settled (logged in or not). */
    java.util.function.Consumer<Boolean> settled;
    /** What the running client was started with: a 405 is retried once with the same credentials and a newer version. */
    Credentials clientCredentials;
    WebVersion clientVersion;
    boolean outdatedRetried;
    /** Linking by code: the phone a code was asked for (until the QR is up), the code shown, the QR shown. */
    String codePhone;
    SessionStore.LinkCode linkCode;
    SessionStore.Qr shownQr;

    final OutboxSender outbox;

    HeldSession(UUID id, SessionContext ctx) {
        this.id = id;
        this.ctx = ctx;
        this.lane = new SerialLane(ctx.config().laneTaskTimeout());
        this.outbox = new OutboxSender(this, ctx.outbox(), ctx.media(), ctx.messaging(), ctx.vertx());
    }

    /** Sends the texts waiting in the outbox, if this replica runs a connected client. */
    void drainOutbox() {
        outbox.drain();
    }

    @Override
    public UUID organizationId() {
        return id;
    }

    @Override
    public WhatsAppClient runningClient() {
        return client;
    }

    @Override
    public Fence currentFence() {
        return fence;
    }

    @Override
    public Uni<Void> fencedWrite(Fence current, Supplier<Uni<Void>> call) {
        return write(current, call);
    }

    // ---- the claim --------------------------------------------------------------------------------

    Uni<Void> claim() {
        long sent = System.nanoTime();
        return ctx.leases().claim(id, ctx.replicaId(), ctx.lease()).flatMap(claimed -> {
            if (claimed.isEmpty()) {
                return ctx.store().find(id).flatMap(row -> Uni.createFrom().failure(
                        new OwnedElsewhere(id, row.map(StoredSession::owner).orElse(null))));
            }
            fence = claimed.get();
            trustedUntil = sent + ctx.trustNanos();
            return reload();
        });
    }

    Uni<Void> reload() {
        return ctx.store().find(id).map(row -> {
            StoredSession stored = row.orElseThrow(() -> new IllegalStateException("session row of " + id + " vanished"));
            record = stored.record();
            linked = stored.linked();
            state = record.state();
            return null;
        });
    }

    /** The epoch this replica holds, or -1. */
    long heldEpoch() {
        Fence current = fence;
        return current == null ? -1 : current.epoch();
    }

    void renewed(long epoch, long sentNanos) {
        Fence current = fence;
        if (current != null && current.epoch() == epoch) {
            trustedUntil = sentNanos + ctx.trustNanos();
        }
    }

    boolean trustExpired(long nowNanos) {
        return fence != null && nowNanos - trustedUntil > 0;
    }

    /**
     * The claim at {@code epoch} is lost (another replica's epoch, a refused or late renewal, a
     * fenced write): stop at once, from any thread, without logging out or writing anything.
     */
    void fencedOff(long epoch, String why) {
        synchronized (this) {
            Fence current = fence;
            if (current == null || current.epoch() != epoch) {
                return;
            }
            fence = null;
            state = null;
        }
        LOG.warnf("session %s: stopped without logging out, this replica no longer holds the connection: %s", id, why);
        ctx.metrics().leaseLost();
        WhatsAppClient running = client;
        if (running != null) {
            running.close();
        }
        long timer = retryTimer;
        if (timer >= 0) {
            ctx.vertx().cancelTimer(timer);
        }
        lane.submit(() -> {
            if (running != null && client == running) {
                // Never kept: a command that re-claimed meanwhile must not mistake it for a running client.
                stopClient();
            }
            if (fence == null) {
                stopClient();
                record = null;
                return Uni.createFrom().voidItem();
            }
            return resumeIfIdle("the client was closed when the claim was lost, and the connection was claimed again");
        }).subscribe().with(ok -> { }, error -> LOG.errorf(error, "session %s: standing down failed", id));
    }

    Uni<Void> release() {
        Fence current = fence;
        fence = null;
        state = null;
        settle(false);
        if (current == null) {
            return Uni.createFrom().voidItem();
        }
        return ctx.leases().release(id, current)
                .onFailure().invoke(error -> LOG.warnf("session %s: releasing the claim failed (it will expire): %s", id,
                        error.getMessage()))
                .onFailure().recoverWithNull();
    }

    // ---- the client ------------------------------------------------------------------------------

    Uni<Boolean> unlinkCurrent() {
        WhatsAppClient running = client;
        if (!linked || running == null || !running.isConnected()) {
            return Uni.createFrom().item(false);
        }
        return Uni.createFrom().completionStage(() -> running.logout().toCompletionStage())
                .replaceWith(true)
                .ifNoItem().after(LOGOUT_WAIT).recoverWithItem(false)
                .onFailure().recoverWithItem(false);
    }

    Uni<Void> startClient(Credentials credentials) {
        return startClient(credentials, false);
    }

    Uni<Void> startClient(Credentials credentials, boolean outdatedRetry) {
        int mine = ++generation;
        ClientOptions options = ctx.options();
        clientCredentials = credentials;
        clientVersion = options.webVersion();
        outdatedRetried = outdatedRetry;
        codePhone = null;
        linkCode = null;
        shownQr = null;
        WhatsAppClient created = new WhatsAppClient(ctx.vertx(), options, credentials,
                saved -> Future.fromCompletionStage(lane.submit(() -> onCredentials(mine, saved)).subscribeAsCompletionStage()),
                signalStore(mine),
                event -> lane.submit(() -> onEvent(mine, event)).subscribe().with(ok -> { },
                        error -> failed("handling " + event.getClass().getSimpleName(), error)));
        client = created;
        return Uni.createFrom().completionStage(() -> created.start().toCompletionStage())
                .onFailure().invoke(error -> client = null);
    }

    /** The client's store: its writes run in the lane, under the claim, only while it is the client in charge. */
    SignalStore signalStore(int mine) {
        return new SessionSignalStore(id, ctx, (what, call) -> lane.submit(() -> {
            if (mine != generation || fence == null) {
                return Uni.createFrom().<Void>failure(new IllegalStateException(what + " from a replaced client"));
            }
            Fence current = fence;
            return write(current, () -> call.apply(current));
        }));
    }

    void armRetry(Duration delay) {
        int mine = generation;
        retryTimer = ctx.vertx().setTimer(Math.max(1, delay.toMillis()),
                t -> lane.submit(() -> retryDue(mine)).subscribe().with(ok -> { },
                        error -> failed("retry", error)));
    }

    /**
     * A client event or a retry failed. Once this replica no longer holds the connection (handed over at
     * shutdown, stood down) that is expected and logged at debug level: a replica handing 10,000 over logged
     * thousands of ERROR lines for writes it was no longer entitled to make. Otherwise it is an error.
     */
    private void failed(String what, Throwable error) {
        if (fence == null) {
            LOG.debugf("session %s: %s failed after this replica let the connection go: %s", id, what, error.getMessage());
        } else {
            LOG.errorf("session %s: %s failed: %s", id, what, error.getMessage());
        }
    }

    // ---- state -----------------------------------------------------------------------------------

    Uni<Void> transition(SessionEvent event, String reason, Integer code, SessionStore.CredentialsChange change,
            UnaryOperator<SessionRecord> mutate, SessionStore.Qr qr) {
        Fence current = fence;
        if (current == null) {
            return Uni.createFrom().failure(new IllegalStateException("this replica no longer holds " + id));
        }
        SessionState from = record.state();
        SessionState to = SessionMachine.next(from, event);
        Instant now = ctx.clock().instant();
        SessionRecord next = mutate.apply(record.withState(to, now));
        Transition step = new Transition(from, to, event, reason, code, now);
        return write(current, () -> ctx.store().record(current, next, step, change, qr)).invoke(() -> {
            record = next;
            state = to;
            if (change instanceof SessionStore.Save) {
                linked = true;
            } else if (change instanceof SessionStore.Wipe) {
                linked = false;
            }
            ctx.metrics().transition(event);
            if (to != SessionState.CONNECTING) {
                settle(to == SessionState.CONNECTED);
            }
        });
    }

    /**
     * A fenced write: retried with backoff while the database errs (for at most a lease); refused
     * by the fence or still failing, the session stands down and the caller sees the error.
     */
    Uni<Void> write(Fence current, Supplier<Uni<Void>> call) {
        return Uni.createFrom().<Void>deferred(call::get)
                .onFailure(error -> !(error instanceof FencedException)).invoke(error -> {
                    ctx.metrics().writeRetried();
                    LOG.debugf("session %s: a write failed, retrying: %s", id, error);
                })
                .onFailure(error -> !(error instanceof FencedException)).retry()
                .withBackOff(FIRST_WRITE_RETRY, LAST_WRITE_RETRY).expireIn(ctx.lease().toMillis())
                .onFailure().invoke(error -> {
                    if (error instanceof FencedException) {
                        ctx.metrics().fencedWrite();
                    }
                    fencedOff(current.epoch(), "write refused: " + error.getMessage());
                });
    }

    void settle(boolean loggedIn) {
        java.util.function.Consumer<Boolean> pending = settled;
        settled = null;
        if (pending != null) {
            pending.accept(loggedIn);
        }
    }

    void stopClient() {
        generation++;
        long timer = retryTimer;
        if (timer >= 0) {
            ctx.vertx().cancelTimer(timer);
            retryTimer = -1;
        }
        WhatsAppClient running = client;
        client = null;
        if (running != null) {
            running.close();
        }
    }

    // ---- read from other threads (metrics, renewals, tests) ---------------------------------------

    boolean hasClient() {
        return running();
    }

    /** A client runs: one is set and it was not told to close (a closed one is never mistaken for a running one). */
    boolean running() {
        WhatsAppClient current = client;
        return current != null && current.isRunning();
    }

    /** The state of a connection this replica holds; empty when it holds none. */
    Optional<SessionState> heldState() {
        return fence == null ? Optional.empty() : Optional.ofNullable(state);
    }

    /** Held, in an active state, yet nothing runs: no client, no retry timer, no task queued. Must never last. */
    boolean stuck() {
        SessionState current = state;
        return fence != null && current != null && current.isActive() && !running() && retryTimer < 0 && !lane.busy();
    }

    /** What the credentials a client saved mean for the session (in the lane). */
    abstract Uni<Void> onCredentials(int from, Credentials credentials);

    /** What a client event means for the session (in the lane). */
    abstract Uni<Void> onEvent(int from, ClientEvent event);

    /** Held and active with nothing running: resumes the session (in the lane). */
    abstract Uni<Void> resumeIfIdle(String why);

    /** The retry timer of the client of generation {@code from} fired (in the lane). */
    abstract Uni<Void> retryDue(int from);
}
