package io.switchboard.session;

import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.ClientEvent;
import io.switchboard.protocol.client.ClientOptions;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.client.DisconnectReason;
import io.switchboard.protocol.client.InboundMessage;
import io.switchboard.protocol.client.SentText;
import io.switchboard.protocol.client.SignalStore;
import io.switchboard.protocol.client.WebVersion;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.protocol.proto.StoredSessionRecord;
import io.switchboard.session.store.CredentialsUnreadable;
import io.switchboard.session.store.Fence;
import io.switchboard.session.store.FencedException;
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
 * One organization's connection as run by this replica: at most one client, under a claim
 * (owner + epoch) that every write names. Every change runs in the session's {@link SerialLane};
 * client events carry the generation of the client that sent them, so a replaced client cannot
 * move the state. Losing the claim (fenced write, renewal refused or late) stops the client
 * without logging out and writes nothing more.
 */
final class OrgSession {

    private static final Logger LOG = Logger.getLogger(OrgSession.class);
    private static final Duration LOGOUT_WAIT = Duration.ofSeconds(5);
    private static final Duration FIRST_WRITE_RETRY = Duration.ofMillis(100);
    private static final Duration LAST_WRITE_RETRY = Duration.ofSeconds(1);
    private static final Duration CODE_REQUEST_WAIT = Duration.ofSeconds(10);

    final UUID id;
    private final SessionContext ctx;
    private final SerialLane lane;
    private volatile Fence fence;
    private volatile long trustedUntil;
    private volatile SessionState state;
    private volatile WhatsAppClient client;
    private volatile long retryTimer = -1;
    private SessionRecord record;
    private boolean linked;
    private int generation;
    private Runnable settled;
    /** What the running client was started with: a 405 is retried once with the same credentials and a newer version. */
    private Credentials clientCredentials;
    private WebVersion clientVersion;
    private boolean outdatedRetried;
    /** Linking by code: the phone a code was asked for (until the QR is up), the code shown, the QR shown. */
    private String codePhone;
    private SessionStore.LinkCode linkCode;
    private SessionStore.Qr shownQr;

    private final OutboxSender outbox;

    OrgSession(UUID id, SessionContext ctx) {
        this.id = id;
        this.ctx = ctx;
        this.lane = new SerialLane(ctx.config().laneTaskTimeout());
        this.outbox = new OutboxSender(this, ctx);
    }

    /** Sends the texts waiting in the outbox, if this replica runs a connected client. */
    void drainOutbox() {
        outbox.drain();
    }

    /** The client running now, if any. */
    WhatsAppClient runningClient() {
        return client;
    }

    /** The claim this replica holds, if any. */
    Fence currentFence() {
        return fence;
    }

    /** A write under {@code current}, retried on database errors, that stops the client when fenced off. */
    Uni<Void> fencedWrite(Fence current, Supplier<Uni<Void>> call) {
        return write(current, call);
    }

    // ---- commands -------------------------------------------------------------------------------

    Uni<Void> run(SessionCommand command) {
        switch (command.kind()) {
            case LINK_CODE:
                return lane.submit(() -> claim().flatMap(ignored -> linkByCode(command.phone())));
            case LINK:
                return lane.submit(() -> claim().flatMap(ignored -> link(true)));
            case RECONNECT:
                return lane.submit(() -> claim().flatMap(ignored -> reconnect()));
            case DISCONNECT:
                return lane.submit(this::disconnect);
            default:
                throw new IllegalArgumentException("unknown command " + command);
        }
    }

    /** Starts linking from scratch: the device linked before, if any, is unlinked from WhatsApp first. */
    private Uni<Void> link(boolean refuseIfConnected) {
        if (refuseIfConnected && record.state() == SessionState.CONNECTED) {
            Uni<Void> letGo = running() ? Uni.createFrom().voidItem() : release();
            return letGo.flatMap(ignored -> Uni.createFrom().failure(SessionRefused.alreadyConnected()));
        }
        return unlinkCurrent().flatMap(whatsAppKnows -> {
            stopClient();
            return transition(SessionEvent.LINK_REQUESTED, "linking requested", null, new SessionStore.Wipe(whatsAppKnows),
                    r -> r.withDevice(null, null).withRetry(0, null), null);
        }).flatMap(ignored -> startClient(Credentials.fresh()));
    }

    /**
     * Link by a code typed on {@code phone}: a linking in progress is reused (a code for the same
     * phone still valid is kept); otherwise linking starts as init does. The code is asked for as
     * soon as WhatsApp offers pairing (the first QR).
     */
    private Uni<Void> linkByCode(String phone) {
        SessionState current = record.state();
        boolean linking = running() && !linked && (current == SessionState.AWAITING_QR || current == SessionState.CONNECTING);
        if (!linking) {
            return link(true).invoke(() -> codePhone = phone);
        }
        if (linkCode != null && linkCode.phone().equals(phone) && linkCode.expiresAt().isAfter(ctx.clock().instant())) {
            return Uni.createFrom().voidItem();
        }
        codePhone = phone;
        return current == SessionState.AWAITING_QR && shownQr != null ? requestCode() : Uni.createFrom().voidItem();
    }

    private Uni<Void> requestCode() {
        String phone = codePhone;
        WhatsAppClient running = client;
        int mine = generation;
        codePhone = null;
        if (phone == null || running == null) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().completionStage(() -> running.requestPairingCode(phone).toCompletionStage())
                .ifNoItem().after(CODE_REQUEST_WAIT).fail()
                .flatMap(code -> {
                    if (mine != generation || fence == null || shownQr == null || record.state() != SessionState.AWAITING_QR) {
                        return Uni.createFrom().voidItem();
                    }
                    linkCode = new SessionStore.LinkCode(code.code(), phone, code.expiresAt());
                    SessionStore.Qr qr = new SessionStore.Qr(shownQr.text(), shownQr.expiresAt(), linkCode);
                    shownQr = qr;
                    Fence current = fence;
                    return write(current, () -> ctx.store().saveQr(current, id, qr));
                })
                .onFailure(error -> !(error instanceof FencedException)).invoke(error -> LOG.warnf(
                        "session %s: WhatsApp gave no link code (asking again gets a new one): %s", id, error.getMessage()))
                .onFailure(error -> !(error instanceof FencedException)).recoverWithNull();
    }

    private Uni<Void> reconnect() {
        SessionState current = record.state();
        if (current == SessionState.CONNECTED && running()) {
            return Uni.createFrom().voidItem();
        }
        if (!linked) {
            return link(false);
        }
        if (running() && (current == SessionState.CONNECTING || current == SessionState.PAIRED_RESTARTING)) {
            return Uni.createFrom().voidItem();
        }
        return login("reconnect requested");
    }

    /** Unlinks the device from WhatsApp when connected, closes the client, wipes the credentials. Idempotent. */
    private Uni<Void> disconnect() {
        return ctx.store().find(id).flatMap(row -> {
            if (row.isEmpty() || (row.get().record().state() == SessionState.DISCONNECTED && !row.get().linked()
                    && !row.get().ownedByAnyone())) {
                return Uni.createFrom().voidItem();
            }
            return claim().flatMap(ignored -> unlinkCurrent()).flatMap(whatsAppKnows -> {
                stopClient();
                if (record.state() == SessionState.DISCONNECTED && !linked) {
                    return release();
                }
                return transition(SessionEvent.DISCONNECT_REQUESTED, "disconnect requested", null,
                        new SessionStore.Wipe(whatsAppKnows), r -> r.withDevice(null, null).withRetry(0, null), null)
                        .flatMap(ignored -> release());
            });
        });
    }

    /** This replica adopted the connection (start-up, failover, handover): log in, or end an interrupted linking. */
    Uni<Void> adopted(Fence claimed, long claimSentNanos, Runnable onSettled) {
        return lane.submit(() -> {
            stopClient();
            fence = claimed;
            trustedUntil = claimSentNanos + ctx.trustNanos();
            return reload().flatMap(ignored -> {
                SessionState current = record.state();
                boolean resumable = current == SessionState.CONNECTING || current == SessionState.PAIRED_RESTARTING
                        || current == SessionState.CONNECTED || current == SessionState.RECONNECTING;
                if (linked && resumable) {
                    settled = onSettled;
                    return login("adopted: no live replica held the connection");
                }
                onSettled.run();
                if (!current.isActive()) {
                    return release();
                }
                return transition(SessionEvent.INTERRUPTED, "linking interrupted: the replica running it stopped; link again",
                        null, SessionStore.KEEP, r -> r.withRetry(0, null), null).flatMap(stored -> release());
            });
        }).onFailure().invoke(error -> settle());
    }

    /** The organization is gone (its rows were deleted): stop the client; WhatsApp is told by the removal queue. */
    Uni<Void> forget() {
        return lane.submit(() -> {
            stopClient();
            fence = null;
            state = null;
            record = null;
            return Uni.createFrom().voidItem();
        });
    }

    /** Closes the client without logging out or changing the stored state (service shutdown). */
    Uni<Void> shutdown() {
        fence = null;
        state = null;
        return lane.submit(() -> {
            stopClient();
            return Uni.createFrom().voidItem();
        });
    }

    // ---- the claim --------------------------------------------------------------------------------

    private Uni<Void> claim() {
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

    private Uni<Void> reload() {
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

    private Uni<Void> release() {
        Fence current = fence;
        fence = null;
        state = null;
        settle();
        if (current == null) {
            return Uni.createFrom().voidItem();
        }
        return ctx.leases().release(id, current)
                .onFailure().invoke(error -> LOG.warnf("session %s: releasing the claim failed (it will expire): %s", id,
                        error.getMessage()))
                .onFailure().recoverWithNull();
    }

    // ---- the client ------------------------------------------------------------------------------

    private Uni<Void> login(String why) {
        return ctx.store().credentials(id).onFailure(CredentialsUnreadable.class).recoverWithUni(error -> {
            stopClient();
            return transition(SessionEvent.REJECTED, "credentials-unreadable: " + error.getMessage(), null,
                    SessionStore.KEEP, r -> r.withDisconnect(null, "credentials-unreadable", ctx.clock().instant()), null)
                    .flatMap(ignored -> release()).replaceWith(Optional.<Credentials>empty())
                    .flatMap(ignored -> Uni.createFrom().failure(new SessionRefused("credentials-unreadable",
                            "The stored WhatsApp credentials cannot be opened with the configured keys; an operator must"
                                    + " configure the key that sealed them again. Linking anew (init-baileys) starts over.", true)));
        }).flatMap(credentials -> {
            if (credentials.isEmpty()) {
                return transition(SessionEvent.INTERRUPTED, "no stored credentials to log in with; link again", null,
                        SessionStore.KEEP, r -> r, null).flatMap(ignored -> release());
            }
            stopClient();
            return transition(SessionEvent.LOGIN_REQUESTED, why, null, SessionStore.KEEP, r -> r.withRetry(0, null), null)
                    .flatMap(ignored -> startClient(credentials.get()));
        });
    }

    private Uni<Boolean> unlinkCurrent() {
        WhatsAppClient running = client;
        if (!linked || running == null || !running.isConnected()) {
            return Uni.createFrom().item(false);
        }
        return Uni.createFrom().completionStage(() -> running.logout().toCompletionStage())
                .replaceWith(true)
                .ifNoItem().after(LOGOUT_WAIT).recoverWithItem(false)
                .onFailure().recoverWithItem(false);
    }

    private Uni<Void> startClient(Credentials credentials) {
        return startClient(credentials, false);
    }

    private Uni<Void> startClient(Credentials credentials, boolean outdatedRetry) {
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
                        error -> LOG.errorf("session %s: handling %s failed: %s", id, event.getClass().getSimpleName(),
                                error.getMessage())));
        client = created;
        return Uni.createFrom().completionStage(() -> created.start().toCompletionStage())
                .onFailure().invoke(error -> client = null);
    }

    /** Sessions read from the store; a received message stored with its session update, fenced, in the lane. */
    private SignalStore signalStore(int mine) {
        return new SignalStore() {
            @Override
            public Future<StoredSessionRecord> session(String address) {
                return Future.fromCompletionStage(ctx.messages().signalSession(id, address).subscribeAsCompletionStage());
            }

            @Override
            public Future<Void> lidMappings(java.util.Map<String, String> lidToPhone) {
                return Future.fromCompletionStage(lane.submit(() -> {
                    if (mine != generation || fence == null) {
                        return Uni.createFrom().<Void>failure(new IllegalStateException("mappings from a replaced client"));
                    }
                    Fence current = fence;
                    return write(current, () -> ctx.messages().lidMappings(current, id, lidToPhone));
                }).subscribeAsCompletionStage());
            }

            @Override
            public Future<String> phoneOfLid(String lidUser) {
                return Future.fromCompletionStage(ctx.messages().phoneOfLid(id, lidUser).subscribeAsCompletionStage());
            }

            @Override
            public Future<Boolean> alreadyReceived(String sender, String messageId) {
                return Future.fromCompletionStage(ctx.messages().alreadyReceived(id, sender, messageId).subscribeAsCompletionStage());
            }

            @Override
            public Future<Void> received(String address, StoredSessionRecord record, InboundMessage message) {
                return Future.fromCompletionStage(lane.submit(() -> {
                    if (mine != generation || fence == null) {
                        return Uni.createFrom().<Void>failure(new IllegalStateException("message for a replaced client"));
                    }
                    Fence current = fence;
                    return write(current, () -> ctx.messages().received(current, id, address, record, message))
                            .invoke(() -> ctx.received().onNext(new ReceivedMessage(id, message)));
                }).subscribeAsCompletionStage());
            }

            @Override
            public Future<Void> receipted(ClientEvent.Receipt receipt) {
                return Future.fromCompletionStage(storeReceipt(receipt).subscribeAsCompletionStage());
            }

            @Override
            public Future<SentText> sentText(String whatsappId) {
                return Future.fromCompletionStage(ctx.outbox().sentText(id, whatsappId).subscribeAsCompletionStage());
            }

            @Override
            public Future<Void> sent(java.util.Map<String, StoredSessionRecord> records) {
                return Future.fromCompletionStage(lane.submit(() -> {
                    if (mine != generation || fence == null) {
                        return Uni.createFrom().<Void>failure(new IllegalStateException("sending from a replaced client"));
                    }
                    Fence current = fence;
                    return write(current, () -> ctx.messages().sessionsSent(current, id, records));
                }).subscribeAsCompletionStage());
            }
        };
    }

    /**
     * The status a receipt moves our texts to, stored before the client acknowledges the receipt:
     * retried with backoff while the database errs (for at most a lease); still failing, the
     * receipt stays unacknowledged and WhatsApp hands it over again at the next login.
     */
    private Uni<Void> storeReceipt(ClientEvent.Receipt receipt) {
        String status = "delivery".equals(receipt.type()) ? "delivered"
                : "read".equals(receipt.type()) || "played".equals(receipt.type()) ? "read" : null;
        if (status == null) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().deferred(() -> ctx.outbox().receipt(id, receipt.ids(), status, receipt.at()))
                .onFailure().invoke(error -> {
                    ctx.metrics().writeRetried();
                    LOG.debugf("session %s: storing a %s receipt failed, retrying: %s", id, receipt.type(), error);
                })
                .onFailure().retry().withBackOff(FIRST_WRITE_RETRY, LAST_WRITE_RETRY).expireIn(ctx.lease().toMillis())
                .onFailure().invoke(error -> LOG.warnf("session %s: a %s receipt for %s was not stored and is left unacknowledged"
                        + " (WhatsApp hands it over again at the next login): %s", id, receipt.type(), receipt.ids(), error.getMessage()))
                .replaceWithVoid();
    }

    /**
     * Sends a text through the running client (outside the lane: the client stores its sessions
     * through the lane while sending). Fails when this replica runs no connected client.
     */
    Uni<WhatsAppClient.Sent> sendText(String phone, String text) {
        WhatsAppClient running = client;
        if (running == null || fence == null || !running.isConnected()) {
            return Uni.createFrom().failure(new SessionRefused("not-connected",
                    "This organization's WhatsApp is not connected on this replica.", true));
        }
        return Uni.createFrom().completionStage(() -> running.sendText(phone, text).toCompletionStage());
    }

    /** Sends a read receipt through the running client for texts received from {@code phone}. */
    Uni<Void> markRead(String phone, java.util.List<String> ids) {
        WhatsAppClient running = client;
        if (running == null || fence == null || !running.isConnected()) {
            return Uni.createFrom().failure(new SessionRefused("not-connected",
                    "This organization's WhatsApp is not connected on this replica.", true));
        }
        return Uni.createFrom().completionStage(() -> running.markRead(phone, ids).toCompletionStage());
    }

    private Uni<Void> onCredentials(int from, Credentials credentials) {
        if (from != generation || fence == null) {
            return Uni.createFrom().failure(new IllegalStateException("credentials of a replaced client"));
        }
        if (linked) {
            Fence current = fence;
            return write(current, () -> ctx.store().saveCredentials(current, id, credentials));
        }
        Credentials.Account account = credentials.account().orElseThrow();
        return transition(SessionEvent.PAIRED, "phone linked the device", null, new SessionStore.Save(credentials),
                r -> r.withDevice(account.deviceJid(), account.phone()), null);
    }

    private Uni<Void> onEvent(int from, ClientEvent event) {
        if (from != generation || fence == null) {
            return Uni.createFrom().voidItem();
        }
        if (event instanceof ClientEvent.QrCode) {
            ClientEvent.QrCode code = (ClientEvent.QrCode) event;
            SessionStore.Qr qr = new SessionStore.Qr(code.text(), code.expiresAt(), linkCode);
            shownQr = qr;
            Uni<Void> shown;
            if (record.state() == SessionState.AWAITING_QR) {
                Fence current = fence;
                shown = write(current, () -> ctx.store().saveQr(current, id, qr));
            } else {
                shown = transition(SessionEvent.QR_SHOWN, "QR code ready", null, SessionStore.KEEP, r -> r, qr);
            }
            return shown.flatMap(ignored -> codePhone != null ? requestCode() : Uni.createFrom().voidItem());
        }
        if (event instanceof ClientEvent.Connected) {
            return transition(SessionEvent.LOGGED_IN, "logged in", null, SessionStore.KEEP, r -> r.withRetry(0, null), null)
                    .invoke(outbox::drain);
        }
        if (event instanceof ClientEvent.Restarting) {
            return transition(SessionEvent.RESTART_REQUIRED, "WhatsApp asked for a restart: "
                    + ((ClientEvent.Restarting) event).detail(), DisconnectReason.RESTART_REQUIRED.code(),
                    SessionStore.KEEP, r -> r, null);
        }
        if (event instanceof ClientEvent.Disconnected) {
            return onDisconnected((ClientEvent.Disconnected) event);
        }
        if (event instanceof ClientEvent.Undecryptable) {
            ClientEvent.Undecryptable lost = (ClientEvent.Undecryptable) event;
            LOG.warnf("session %s: message %s from %s not delivered: %s", id, lost.id(), lost.sender(), lost.reason());
            ctx.metrics().undelivered();
        }
        if (event instanceof ClientEvent.Receipt) {
            ClientEvent.Receipt receipt = (ClientEvent.Receipt) event;
            ctx.metrics().receipt(receipt.type());
            ctx.receipts().onNext(new MessageReceipt(id, receipt.ids(), receipt.from(), receipt.type(), receipt.at()));
        }
        if (event instanceof ClientEvent.Retry) {
            ClientEvent.Retry retry = (ClientEvent.Retry) event;
            LOG.infof("session %s: %s message %s (attempt %d) %s %s", id, retry.ours() ? "asked for" : "sent again",
                    retry.id(), retry.count(), retry.ours() ? "from" : "to", retry.device());
            ctx.metrics().retry(retry.ours());
        }
        return Uni.createFrom().voidItem();
    }

    private Uni<Void> onDisconnected(ClientEvent.Disconnected event) {
        DisconnectReason reason = event.reason();
        client = null;
        if (reason == DisconnectReason.CLIENT_OUTDATED) {
            return outdated(event);
        }
        SessionEvent outcome = DisconnectPolicy.eventFor(reason, record.state(), linked);
        if (outcome == null) {
            // Our own close of the client in charge, without a new one started: not an end state.
            return resumeIfIdle("the client was closed while the connection is held");
        }
        String why = reason.name().toLowerCase().replace('_', '-');
        Integer code = reason.code();
        Instant now = ctx.clock().instant();
        UnaryOperator<SessionRecord> noted = r -> r.withDisconnect(code, why, now);
        LOG.infof("session %s: %s (%s) → %s", id, reason, event.detail(), outcome);
        if (outcome == SessionEvent.CONNECTION_LOST) {
            return connectionLost(why + ": " + event.detail(), code, noted);
        }
        SessionStore.CredentialsChange change = outcome == SessionEvent.LOGGED_OUT
                ? new SessionStore.Wipe(true) : SessionStore.KEEP;
        return transition(outcome, why + ": " + event.detail(), code, change, noted, null).flatMap(ignored -> release());
    }

    /** Moves to RECONNECTING and arms the retry timer (backoff by the attempts so far). */
    private Uni<Void> connectionLost(String why, Integer code, UnaryOperator<SessionRecord> noted) {
        int attempts = record.reconnectAttempts();
        Duration delay = ctx.reconnectPolicy().delay(attempts);
        Instant now = ctx.clock().instant();
        return transition(SessionEvent.CONNECTION_LOST, why, code, SessionStore.KEEP,
                r -> noted.apply(r).withRetry(attempts + 1, now.plus(delay)), null)
                .invoke(() -> armRetry(delay));
    }

    private void armRetry(Duration delay) {
        int mine = generation;
        retryTimer = ctx.vertx().setTimer(Math.max(1, delay.toMillis()),
                t -> lane.submit(() -> retryDue(mine)).subscribe().with(ok -> { },
                        error -> LOG.errorf("session %s: retry failed: %s", id, error.getMessage())));
    }

    /**
     * Held, in an active state, yet nothing runs (a client closed under us, no timer): never left
     * so. A linked connection is a lost connection (retried with backoff); a linking in progress
     * starts again with a fresh client (a new QR); a retry wait gets its timer back.
     */
    private Uni<Void> resumeIfIdle(String why) {
        if (fence == null || record == null || !record.state().isActive() || running() || retryTimer >= 0) {
            return Uni.createFrom().voidItem();
        }
        SessionState current = record.state();
        LOG.warnf("session %s: %s in %s with nothing running; resuming", id, why, current);
        ctx.metrics().resumedIdle();
        stopClient();
        if (current == SessionState.RECONNECTING) {
            armRetry(ctx.reconnectPolicy().delay(record.reconnectAttempts()));
            return Uni.createFrom().voidItem();
        }
        if (linked) {
            return connectionLost("client-closed: " + why, null, r -> r);
        }
        return startClient(Credentials.fresh());
    }

    /**
     * WhatsApp refused the version announced (405): read the published one and, when it is newer,
     * start again at once with it (once, same credentials, no QR); otherwise end in CLIENT_OUTDATED
     * saying why. The recheck job brings linked organizations back when a newer version appears.
     */
    private Uni<Void> outdated(ClientEvent.Disconnected event) {
        WebVersion refused = clientVersion;
        Credentials retryWith = clientCredentials;
        boolean alreadyRetried = outdatedRetried;
        int mine = generation;
        return ctx.versions().refresh().flatMap(fetch -> {
            if (mine != generation || fence == null) {
                return Uni.createFrom().voidItem();
            }
            WebVersion newest = ctx.versions().current();
            if (!alreadyRetried && retryWith != null && newest.isNewerThan(refused)) {
                LOG.warnf("session %s: WhatsApp refused version %s (405); starting again with %s", id, refused, newest);
                ctx.metrics().outdatedRetry();
                return startClient(retryWith, true);
            }
            String detail = "WhatsApp refused version " + refused + "; "
                    + (fetch.version() == null ? "the current version could not be read from " + ctx.versions().source()
                            + " (" + fetch.problem() + ")"
                            : "the newest version published at " + ctx.versions().source() + " is " + fetch.version());
            LOG.warnf("session %s: %s", id, detail);
            String reason = clip("client-outdated: " + detail);
            Instant now = ctx.clock().instant();
            return transition(SessionEvent.CLIENT_OUTDATED, reason, DisconnectReason.CLIENT_OUTDATED.code(),
                    SessionStore.KEEP, r -> r.withDisconnect(DisconnectReason.CLIENT_OUTDATED.code(), reason, now), null)
                    .flatMap(ignored -> release());
        });
    }

    /** Stored reasons are at most 512 characters. */
    private static String clip(String text) {
        return text.length() <= 500 ? text : text.substring(0, 497) + "...";
    }

    private Uni<Void> retryDue(int from) {
        if (from != generation) {
            return Uni.createFrom().voidItem();
        }
        retryTimer = -1;
        if (fence == null || record.state() != SessionState.RECONNECTING) {
            return Uni.createFrom().voidItem();
        }
        return ctx.store().credentials(id).flatMap(credentials -> {
            if (credentials.isEmpty()) {
                return transition(SessionEvent.RETRY_DUE, "retry", null, SessionStore.KEEP, r -> r, null)
                        .flatMap(ignored -> transition(SessionEvent.REJECTED, "credentials vanished", null,
                                SessionStore.KEEP, r -> r, null))
                        .flatMap(ignored -> release());
            }
            return transition(SessionEvent.RETRY_DUE, "retry " + record.reconnectAttempts(), null, SessionStore.KEEP,
                    r -> r, null).flatMap(ignored -> startClient(credentials.get()));
        });
    }

    // ---- state -----------------------------------------------------------------------------------

    private Uni<Void> transition(SessionEvent event, String reason, Integer code, SessionStore.CredentialsChange change,
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
                settle();
            }
        });
    }

    /**
     * A fenced write: retried with backoff while the database errs (for at most a lease); refused
     * by the fence or still failing, the session stands down and the caller sees the error.
     */
    private Uni<Void> write(Fence current, Supplier<Uni<Void>> call) {
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

    private void settle() {
        Runnable pending = settled;
        settled = null;
        if (pending != null) {
            pending.run();
        }
    }

    private void stopClient() {
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
    private boolean running() {
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
}
