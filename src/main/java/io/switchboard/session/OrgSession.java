package io.switchboard.session;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.ClientEvent;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.client.DisconnectReason;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.session.store.SessionRecord;
import io.switchboard.session.store.SessionStore;
import io.switchboard.session.store.Transition;
import io.switchboard.web.ApiException;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * One organization's session: the state, at most one client, the QR being shown. Every change
 * runs in the session's {@link SerialLane} and is stored before it is visible; client events
 * carry the generation of the client that sent them, so a replaced client cannot move the state.
 */
final class OrgSession {

    private static final Logger LOG = Logger.getLogger(OrgSession.class);
    private static final Duration LOGOUT_WAIT = Duration.ofSeconds(5);

    final UUID id;
    private final SessionSupervisor supervisor;
    private final SessionStore store;
    private final SerialLane lane = new SerialLane();
    private final List<Consumer<SessionNotice>> listeners = new CopyOnWriteArrayList<>();
    private SessionRecord record;
    private boolean hasCredentials;
    private WhatsAppClient client;
    private int generation;
    private QrView qr;
    private long retryTimer = -1;

    OrgSession(UUID id, SessionSupervisor supervisor) {
        this.id = id;
        this.supervisor = supervisor;
        this.store = supervisor.store();
    }

    // ---- commands ---------------------------------------------------------------------------------

    Uni<SessionSnapshot> snapshot() {
        return lane.submit(() -> {
            if (!isBusy()) {
                // Another replica may own the connection: read what it stored, not our copy.
                record = null;
            }
            return loaded().map(ignored -> current());
        });
    }

    /** Starts linking from scratch: stale credentials and any client are cleared first. */
    Uni<SessionSnapshot> link(String why) {
        return lane.submit(() -> owned().flatMap(ignored -> {
            stopClient();
            return transition(SessionEvent.LINK_REQUESTED, why, null, SessionStore.WIPE,
                    r -> r.withDevice(null, null).withRetry(0, null))
                    .flatMap(ignored2 -> startClient(Credentials.fresh()));
        }).map(ignored -> current()));
    }

    /** Logs in again with the stored credentials (no QR). */
    Uni<SessionSnapshot> login(String why) {
        return lane.submit(() -> owned().flatMap(ignored -> store.credentials(id)).flatMap(credentials -> {
            if (credentials.isEmpty()) {
                return Uni.createFrom().failure(new IllegalStateException("no stored credentials"));
            }
            stopClient();
            return transition(SessionEvent.LOGIN_REQUESTED, why, null, SessionStore.KEEP, r -> r.withRetry(0, null))
                    .flatMap(ignored2 -> startClient(credentials.get()));
        }).map(ignored -> current()));
    }

    /** Logs the device out when connected, closes the client, wipes the credentials. Idempotent. */
    Uni<SessionSnapshot> disconnect() {
        return lane.submit(() -> owned().flatMap(ignored -> {
            WhatsAppClient running = client;
            Uni<Void> goodbye = Uni.createFrom().voidItem();
            if (running != null && running.isConnected()) {
                goodbye = Uni.createFrom().completionStage(running.logout().toCompletionStage())
                        .ifNoItem().after(LOGOUT_WAIT).recoverWithItem((Void) null)
                        .onFailure().recoverWithNull().replaceWithVoid();
            }
            return goodbye.flatMap(ignored2 -> {
                stopClient();
                if (record.state() == SessionState.DISCONNECTED && !hasCredentials) {
                    return Uni.createFrom().voidItem();
                }
                return transition(SessionEvent.DISCONNECT_REQUESTED, "disconnect requested", null, SessionStore.WIPE,
                        r -> r.withDevice(null, null).withRetry(0, null))
                        .invoke(() -> notifyListeners(SessionNotice.failed(SessionState.DISCONNECTED, "disconnected")));
            }).flatMap(ignored2 -> supervisor.release(id));
        }).map(ignored -> current()));
    }

    /** The organization is gone: unlink the device from WhatsApp if connected; its rows are deleted with it. */
    Uni<Void> forget() {
        return lane.submit(() -> {
            WhatsAppClient running = client;
            Uni<Void> goodbye = running != null && running.isConnected()
                    ? Uni.createFrom().completionStage(running.logout().toCompletionStage())
                            .ifNoItem().after(LOGOUT_WAIT).recoverWithItem((Void) null)
                            .onFailure().recoverWithNull().replaceWithVoid()
                    : Uni.createFrom().voidItem();
            return goodbye.invoke(this::stopClient);
        });
    }

    /** Closes the client without logging out or changing the stored state (service shutdown). */
    Uni<Void> shutdown() {
        return lane.submit(() -> {
            stopClient();
            return supervisor.release(id);
        });
    }

    /** Waits until a QR code shows or linking ends, at most {@code wait}. */
    Uni<SessionSnapshot> awaitQr(Duration wait) {
        CompletableFuture<SessionNotice> first = new CompletableFuture<>();
        Consumer<SessionNotice> listener = first::complete;
        listeners.add(listener);
        return snapshot().flatMap(snapshot -> {
            SessionState state = snapshot.record().state();
            if (snapshot.qr() != null || wait.isZero() || wait.isNegative()
                    || (state != SessionState.CONNECTING && state != SessionState.AWAITING_QR)) {
                return Uni.createFrom().item(snapshot);
            }
            return Uni.createFrom().completionStage(first).ifNoItem().after(wait).recoverWithItem((SessionNotice) null)
                    .flatMap(ignored -> snapshot());
        }).eventually(() -> listeners.remove(listener));
    }

    /** QR codes as they rotate, then one final connected or failed notice. */
    Multi<SessionNotice> notices() {
        return Multi.createFrom().emitter(emitter -> {
            Consumer<SessionNotice> listener = notice -> {
                emitter.emit(notice);
                if (notice.isFinal()) {
                    emitter.complete();
                }
            };
            listeners.add(listener);
            emitter.onTermination(() -> listeners.remove(listener));
            snapshot().subscribe().with(snapshot -> {
                SessionState state = snapshot.record().state();
                if (snapshot.qr() != null) {
                    emitter.emit(SessionNotice.qr(snapshot.qr()));
                } else if (state == SessionState.CONNECTED) {
                    listener.accept(SessionNotice.connected(snapshot.record().jid()));
                } else if (!state.isActive()) {
                    listener.accept(SessionNotice.failed(state, snapshot.record().lastDisconnectReason()));
                }
            }, emitter::fail);
        });
    }

    // ---- client events ---------------------------------------------------------------------------

    /**
     * Loads the session and makes sure this replica holds the connection before anything changes;
     * a command for a connection another replica runs is refused with 409.
     */
    private Uni<Void> owned() {
        if (!isBusy()) {
            record = null;
        }
        return loaded().flatMap(ignored -> record.state() == SessionState.DISCONNECTED && !hasCredentials
                ? Uni.createFrom().item(true) : supervisor.claim(id))
                .flatMap(owned -> owned ? Uni.createFrom().voidItem() : Uni.createFrom().failure(ownedElsewhere()));
    }

    private Uni<Void> startClient(Credentials credentials) {
        return supervisor.claim(id).flatMap(owned -> {
            if (!owned) {
                return Uni.createFrom().failure(ownedElsewhere());
            }
            int mine = ++generation;
            client = new WhatsAppClient(supervisor.vertx(), supervisor.clientOptions(), credentials,
                    saved -> Future.fromCompletionStage(lane.submit(() -> onCredentials(mine, saved)).subscribeAsCompletionStage()),
                    event -> lane.submit(() -> onEvent(mine, event)).subscribe().with(ok -> { },
                            error -> LOG.errorf(error, "session %s: handling %s failed", id, event.getClass().getSimpleName())));
            return Uni.createFrom().completionStage(client.start().toCompletionStage());
        });
    }

    /** The client hands over credentials: new ones from a pairing, or updated ones of a linked device. */
    private Uni<Void> onCredentials(int from, Credentials credentials) {
        if (from != generation) {
            return Uni.createFrom().failure(new IllegalStateException("credentials of a replaced client"));
        }
        if (hasCredentials) {
            return store.saveCredentials(id, credentials);
        }
        Credentials.Account account = credentials.account().orElseThrow();
        qr = null;
        return transition(SessionEvent.PAIRED, "phone linked the device", null, new SessionStore.Save(credentials),
                r -> r.withDevice(account.deviceJid(), account.phone()));
    }

    private Uni<Void> onEvent(int from, ClientEvent event) {
        if (from != generation) {
            return Uni.createFrom().voidItem();
        }
        if (event instanceof ClientEvent.QrCode) {
            ClientEvent.QrCode code = (ClientEvent.QrCode) event;
            qr = new QrView(code.text(), QrImage.dataUri(code.text()), code.expiresAt());
            Uni<Void> stored = record.state() == SessionState.AWAITING_QR ? Uni.createFrom().voidItem()
                    : transition(SessionEvent.QR_SHOWN, "QR code ready", null, SessionStore.KEEP, r -> r);
            return stored.invoke(() -> notifyListeners(SessionNotice.qr(qr)));
        }
        if (event instanceof ClientEvent.Connected) {
            qr = null;
            return transition(SessionEvent.LOGGED_IN, "logged in", null, SessionStore.KEEP, r -> r.withRetry(0, null))
                    .invoke(() -> notifyListeners(SessionNotice.connected(record.jid())));
        }
        if (event instanceof ClientEvent.Disconnected) {
            return onDisconnected((ClientEvent.Disconnected) event);
        }
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> onDisconnected(ClientEvent.Disconnected event) {
        DisconnectReason reason = event.reason();
        client = null;
        qr = null;
        String why = reason.name().toLowerCase().replace('_', '-');
        Integer code = reason.code();
        UnaryOperator<SessionRecord> noted = r -> r.withDisconnect(code, why, supervisor.now());
        SessionEvent outcome = DisconnectPolicy.eventFor(reason, record.state(), hasCredentials);
        if (outcome == null) {
            return Uni.createFrom().voidItem();
        }
        LOG.infof("session %s: %s (%s) → %s", id, reason, event.detail(), outcome);
        if (outcome == SessionEvent.CONNECTION_LOST) {
            int attempts = record.reconnectAttempts();
            Duration delay = supervisor.reconnectPolicy().delay(attempts);
            Instant next = supervisor.now().plus(delay);
            return transition(outcome, why + ": " + event.detail(), code, SessionStore.KEEP,
                    r -> noted.apply(r).withRetry(attempts + 1, next))
                    .invoke(() -> retryTimer = supervisor.vertx().setTimer(Math.max(1, delay.toMillis()),
                            t -> lane.submit(this::retryDue).subscribe().with(ok -> { },
                                    error -> LOG.errorf(error, "session %s: retry failed", id))));
        }
        return transition(outcome, why + ": " + event.detail(), code,
                outcome == SessionEvent.LOGGED_OUT ? SessionStore.WIPE : SessionStore.KEEP, noted)
                .invoke(() -> notifyListeners(SessionNotice.failed(record.state(), why)))
                .flatMap(ignored -> supervisor.release(id));
    }

    private Uni<Void> retryDue() {
        retryTimer = -1;
        if (record.state() != SessionState.RECONNECTING) {
            return Uni.createFrom().voidItem();
        }
        return store.credentials(id).flatMap(credentials -> {
            if (credentials.isEmpty()) {
                return transition(SessionEvent.RETRY_DUE, "retry", null, SessionStore.KEEP, r -> r)
                        .flatMap(ignored -> transition(SessionEvent.REJECTED, "credentials vanished", null,
                                SessionStore.KEEP, r -> r));
            }
            return transition(SessionEvent.RETRY_DUE, "retry " + record.reconnectAttempts(), null, SessionStore.KEEP, r -> r)
                    .flatMap(ignored -> startClient(credentials.get()));
        });
    }

    // ---- state -----------------------------------------------------------------------------------

    private Uni<Void> loaded() {
        if (record != null) {
            return Uni.createFrom().voidItem();
        }
        return store.find(id).flatMap(found -> store.hasCredentials(id).map(stored -> {
            record = found.orElse(SessionRecord.initial(id, supervisor.now()));
            hasCredentials = stored;
            return null;
        }));
    }

    private Uni<Void> transition(SessionEvent event, String reason, Integer code, SessionStore.CredentialsChange change,
            UnaryOperator<SessionRecord> mutate) {
        SessionState from = record.state();
        SessionState to = SessionMachine.next(from, event);
        Instant now = supervisor.now();
        SessionRecord next = mutate.apply(record.withState(to, now));
        return store.record(next, new Transition(from, to, event, reason, code, now), change).invoke(() -> {
            record = next;
            if (change instanceof SessionStore.Save) {
                hasCredentials = true;
            } else if (change instanceof SessionStore.Wipe) {
                hasCredentials = false;
            }
        });
    }

    private void stopClient() {
        generation++;
        qr = null;
        if (retryTimer >= 0) {
            supervisor.vertx().cancelTimer(retryTimer);
            retryTimer = -1;
        }
        if (client != null) {
            client.close();
            client = null;
        }
    }

    boolean hasClient() {
        return client != null;
    }

    /** A client runs or a retry is scheduled: this replica is responsible for the connection. */
    boolean isBusy() {
        return client != null || retryTimer >= 0;
    }

    private SessionSnapshot current() {
        return new SessionSnapshot(record, qr, hasCredentials);
    }

    private void notifyListeners(SessionNotice notice) {
        listeners.forEach(listener -> listener.accept(notice));
    }

    private ApiException ownedElsewhere() {
        return new ApiException(409, "owned-by-another-replica", "Organization " + id
                + " is connected through another replica of the service; retry the request.");
    }
}
