package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * The state every part of a {@link WhatsAppClient} shares, on the client's own Vert.x context: the
 * connection, the credentials, the stores and the event handler; starting, closing, logging out and
 * stopping; and the two ways work gets onto the context (at once, or in Signal order).
 */
abstract class ClientCore implements Connection.Listener {

    /** The QR link form WhatsApp's current clients show. */
    public static final String QR_LINK_PREFIX = "https://wa.me/settings/linked_devices#";
    /** Restarts in a row (without logging in) before giving up. */
    static final int MAX_RESTARTS = 3;
    /** How long a retry receipt waits before the text is sent again (a delivery receipt in between cancels it). */
    static final long RESEND_DELAY_MILLIS = 1000;

    enum State { NEW, RUNNING, STOPPED }

    final Vertx vertx;
    final Context context;
    final ClientOptions options;
    final CredentialsStore store;
    final SignalStore signal;
    /**
     * Every read-modify-write of Signal sessions (decrypting a received message, encrypting one to
     * send) runs one after another, in order: two at once would each advance the same ratchet
     * from the same stored state, and one of the two updates would be lost.
     */
    Future<Void> signalWork = Future.succeededFuture();
    final Handler<ClientEvent> events;
    final Clock clock;
    final Retries retries = new Retries();
    /** LID user → phone number, as learned from device lists and sender_pn (the store holds them all). */
    final Map<String, String> knownLids = java.util.Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 10_000;
        }
    });
    /** Device lists learned from usync, per user (forgotten on device notifications, retry receipts, new connections). */
    final DeviceLists deviceLists = new DeviceLists(System::nanoTime);
    Credentials credentials;
    State state = State.NEW;
    /** Set when the client is told to close (any thread) or stops: see {@link #isRunning()}. */
    volatile boolean ended;
    Connection connection;
    int restarts;
    final List<Long> qrTimers = new ArrayList<>();
    /** The QR on show: its ref, expiry and position, so a companion refresh can redraw it. */
    ClientEvent.QrCode shownQr;
    String shownRef;
    /** When the refs run out and the server ends an unpaired stream; a link code is good until then. */
    Instant pairingEndsAt;
    LinkCode linkCode;
    String linkPhone;

    ClientCore(Vertx vertx, ClientOptions options, Credentials credentials, CredentialsStore store, SignalStore signal,
            Handler<ClientEvent> events, Clock clock) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.options = options;
        this.credentials = credentials;
        this.store = store;
        this.signal = signal;
        this.events = events;
        this.clock = clock;
    }

    <T> Future<T> onContextFuture(java.util.function.Supplier<Future<T>> action) {
        Promise<T> promise = Promise.promise();
        context.runOnContext(ignored -> {
            try {
                action.get().onComplete(promise);
            } catch (RuntimeException e) {
                promise.fail(e);
            }
        });
        return promise.future();
    }

    /** Opens the first connection. Progress and failures arrive as events. */
    public Future<Void> start() {
        return onContext(() -> {
            if (state != State.NEW) {
                throw new IllegalStateException("client already started");
            }
            state = State.RUNNING;
            connect();
            return null;
        });
    }

    /** Closes the connection without logging out; stored credentials stay valid. */
    public Future<Void> close() {
        ended = true;
        return onContext(() -> {
            stop(DisconnectReason.CLIENT_CLOSED, "closed by the application");
            return null;
        });
    }

    /**
     * Unlinks this device from the account (when connected), then closes. Fails when WhatsApp did
     * not confirm the removal, or at once when not connected (then it only closes).
     */
    public Future<Void> logout() {
        ended = true;
        Promise<Void> done = Promise.promise();
        context.runOnContext(ignored -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                stop(DisconnectReason.CLIENT_CLOSED, "closed by the application");
                done.fail(new IllegalStateException("not connected: nothing was removed"));
                return;
            }
            String jid = credentials.account().orElseThrow().deviceJid();
            Node remove = Stanza.iq(current.nextIqId(), "set", "md", Node.of("remove-companion-device",
                    Stanza.attrs("jid", jid, "reason", "user_initiated")));
            current.query(remove).onComplete(answer -> {
                stop(DisconnectReason.LOGGED_OUT, "logged out by the application");
                if (answer.failed()) {
                    done.fail(answer.cause());
                } else {
                    done.complete();
                }
            });
        });
        return done.future();
    }

    public Credentials credentials() {
        return credentials;
    }

    /**
     * False from the moment {@link #close()} or {@link #logout()} is called, or the client stopped
     * by itself: a caller on any thread never mistakes a client that is going away for a running one.
     */
    public boolean isRunning() {
        return !ended;
    }

    public boolean isConnected() {
        Connection current = connection;
        return current != null && current.state() == Connection.State.CONNECTED;
    }

    void connect() {
        connection = new Connection(vertx, options, credentials, this, clock);
        connection.open();
    }

    void stop(DisconnectReason reason, String detail) {
        if (state == State.STOPPED) {
            return;
        }
        boolean wasRunning = state == State.RUNNING;
        state = State.STOPPED;
        ended = true;
        cancelQrTimers();
        Connection current = connection;
        connection = null;
        if (current != null) {
            current.fail(reason, detail);
        }
        if (wasRunning) {
            events.handle(new ClientEvent.Disconnected(reason, detail));
        }
    }

    /** Runs {@code work} after every Signal task queued before it (call on the client's context). */
    <T> Future<T> serialized(java.util.function.Supplier<Future<T>> work) {
        Promise<T> result = Promise.promise();
        signalWork = signalWork.transform(ignored -> {
            // The previous task may have finished on a database thread: start this one on ours.
            Future<T> running = onContextFuture(work);
            running.onComplete(result);
            return running.transform(done -> Future.<Void>succeededFuture());
        });
        return result.future();
    }

    @Override
    public void onClosed(Connection from, DisconnectReason reason, String detail) {
        if (from != connection || state != State.RUNNING) {
            return;
        }
        cancelQrTimers();
        if (reason == DisconnectReason.RESTART_REQUIRED && restarts < MAX_RESTARTS) {
            restarts++;
            events.handle(new ClientEvent.Restarting(detail));
            connect();
            return;
        }
        connection = null;
        state = State.STOPPED;
        events.handle(new ClientEvent.Disconnected(reason, detail));
    }

    void cancelQrTimers() {
        qrTimers.forEach(vertx::cancelTimer);
        qrTimers.clear();
    }

    <T> Future<T> onContext(java.util.concurrent.Callable<T> action) {
        Promise<T> promise = Promise.promise();
        context.runOnContext(ignored -> {
            try {
                promise.complete(action.call());
            } catch (Exception e) {
                promise.fail(e);
            }
        });
        return promise.future();
    }
}
