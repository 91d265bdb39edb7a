package io.switchboard.session;

import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.ClientEvent;
import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.client.DisconnectReason;
import io.switchboard.protocol.client.WebVersion;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.db.CredentialsUnreadable;
import io.switchboard.db.Fence;
import io.switchboard.db.FencedException;
import io.switchboard.messaging.PhoneReupload;
import io.switchboard.session.store.SessionRecord;
import io.switchboard.session.store.SessionStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * What commands and client events mean for one organization's connection: linking (by QR or code),
 * reconnecting, disconnecting, adoption, and the client's credentials, QR codes, logins and endings
 * turned into transitions. The claim, the client and the writes are {@link HeldSession}'s.
 */
final class OrgSession extends HeldSession {

    private static final Logger LOG = Logger.getLogger(OrgSession.class);
    private static final Duration CODE_REQUEST_WAIT = Duration.ofSeconds(10);

    private static final int MAX_PENDING_COMMANDS = 4;

    /** Commands submitted and not finished (waiting or running); guarded by itself. */
    private static final class Pending {
        int pending;
    }

    private final Pending commands = new Pending();
    private final GroupOperations groupOperations;
    private SessionCommand lastCommand;
    private Uni<Void> lastPending;

    OrgSession(UUID id, SessionContext ctx) {
        super(id, ctx);
        this.groupOperations = new GroupOperations(id, ctx);
    }

    // ---- commands -------------------------------------------------------------------------------

    /**
     * Runs a command in the session's lane. A command identical to the last one submitted, while
     * that one is still waiting or running, joins it instead of running again (twenty parallel
     * init-baileys link once or twice, not twenty times; a different command in between keeps its
     * order); at most {@value #MAX_PENDING_COMMANDS} commands are pending (more: {@code rate-limited});
     * and a command whose callers all gave up (their requests cancelled) before its turn is dropped.
     */
    Uni<Void> run(SessionCommand command) {
        if (command.kind() == SessionCommand.Kind.MEDIA_RETRY) {
            return mediaRetry(command.argument());
        }
        if (command.kind() == SessionCommand.Kind.CONTACT_CHECK) {
            return contactCheck(java.util.List.of(command.argument().split(",")));
        }
        if (command.kind() == SessionCommand.Kind.PRESENCE) {
            String[] parts = command.argument().split(":", 2);
            return presence(parts[0], parts.length > 1 ? parts[1] : null);
        }
        if (command.kind() == SessionCommand.Kind.GROUP) {
            WhatsAppClient running = client;
            return running == null ? notRunningHere(new PhoneReupload.Failed("not-connected",
                    "The organization's WhatsApp is not connected, so group requests cannot be carried out."))
                    : groupOperations.run(running, command.argument());
        }
        if (command.kind() == SessionCommand.Kind.MARK_READ) {
            String[] parts = command.argument().split(":", 2);
            return markRead(parts[0], java.util.List.of(parts[1].split(",")));
        }
        synchronized (commands) {
            if (command.equals(lastCommand) && lastPending != null) {
                ctx.metrics().commandCoalesced();
                return lastPending;
            }
            if (commands.pending >= MAX_PENDING_COMMANDS) {
                return Uni.createFrom().failure(new SessionRefused("rate-limited", "This organization already has "
                        + commands.pending + " commands pending; try again shortly.", false));
            }
            commands.pending++;
            java.util.concurrent.atomic.AtomicInteger callers = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean gaveUp = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.CompletableFuture<Void> future = lane.enqueue(() -> {
                if (gaveUp.get() && callers.get() == 0) {
                    ctx.metrics().commandAbandoned();
                    return Uni.createFrom().failure(new SessionRefused("owner-unavailable",
                            "Every caller of the command gave up before its turn; it was dropped.", true));
                }
                return start(command);
            });
            // Each caller waits on a copy: one caller cancelling does not cancel the command for the others.
            Uni<Void> joined = Uni.createFrom().completionStage(future::copy)
                    .onSubscription().invoke(subscription -> callers.incrementAndGet())
                    .onCancellation().invoke(() -> {
                        if (callers.decrementAndGet() == 0) {
                            gaveUp.set(true);
                        }
                    });
            lastCommand = command;
            lastPending = joined;
            // Registered after lastPending is set: a command that already finished clears it at once.
            future.whenComplete((ok, error) -> {
                synchronized (commands) {
                    commands.pending--;
                    if (lastPending == joined) {
                        lastPending = null;
                    }
                }
            });
            return joined;
        }
    }

    /**
     * Asks the phone to upload the file of the received message {@code messageId} again and stores
     * where it is now. Beside the lane, not in it: the phone may take seconds, and a disconnect must
     * not wait behind it. Refused when this replica runs no connected client (handed to the owner).
     */
    private Uni<Void> mediaRetry(String messageId) {
        WhatsAppClient running = client;
        if (running == null) {
            return notRunningHere(notConnectedForRetry());
        }
        Duration wait = ctx.media().retryTimeout();
        return ctx.messages().receivedMessage(id, messageId).flatMap(message -> {
            if (message == null || message.media() == null) {
                return Uni.createFrom().failure(new PhoneReupload.Failed("media-not-found", "No received file " + messageId + "."));
            }
            return Uni.createFrom().completionStage(() -> running.requestMediaRetry(messageId, message.chat(), false, null,
                    message.media().mediaKey(), wait).toCompletionStage())
                    .onFailure().transform(OrgSession::retryProblem)
                    .flatMap(answer -> switch (answer.result()) {
                        case SUCCESS -> Uni.createFrom().completionStage(() -> running.mediaConn(false).toCompletionStage())
                                .onFailure().transform(OrgSession::retryProblem)
                                .flatMap(conn -> ctx.messages().mediaMoved(id, message, "https://" + conn.hosts().get(0)
                                        + answer.directPath(), answer.directPath()))
                                .replaceWithVoid();
                        case NOT_FOUND -> Uni.createFrom().failure(new PhoneReupload.Failed("media-not-on-phone",
                                "The phone no longer has the file either."));
                        default -> Uni.createFrom().failure(new PhoneReupload.Failed("media-retry-failed",
                                "The phone could not upload the file again (" + answer.result() + ")."));
                    });
        });
    }

    /** When this organization may ask WhatsApp to check numbers next (nanoTime): the checks are spaced, one at a time. */
    private final java.util.concurrent.atomic.AtomicLong nextContactCheck = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Asks WhatsApp which of {@code numbers} are on it and stores the answers; beside the lane, and
     * spaced by {@code switchboard.messages.contact-check-spacing} (WhatsApp rate-limits the query).
     */
    private Uni<Void> contactCheck(java.util.List<String> numbers) {
        WhatsAppClient running = client;
        if (running == null) {
            return notRunningHere(new PhoneReupload.Failed("not-connected",
                    "The organization's WhatsApp is not connected, so numbers cannot be checked."));
        }
        long spacing = ctx.messaging().contactCheckSpacing().toNanos();
        long now = System.nanoTime();
        long slot = nextContactCheck.updateAndGet(next -> Math.max(next, now) + spacing) - spacing;
        Duration wait = Duration.ofNanos(Math.max(0, slot - now));
        Uni<Void> turn = wait.isZero() ? Uni.createFrom().voidItem() : Uni.createFrom().voidItem().onItem().delayIt().by(wait);
        return turn
                .flatMap(ignored -> Uni.createFrom().completionStage(() -> running.checkContacts(numbers).toCompletionStage()))
                .onFailure().transform(error -> {
                    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    return cause instanceof IllegalStateException ? new PhoneReupload.Failed("not-connected",
                            "The organization's WhatsApp is not connected, so numbers cannot be checked.")
                            : new PhoneReupload.Failed("check-failed", "WhatsApp did not answer the number check: " + cause.getMessage());
                })
                .flatMap(checks -> ctx.contacts().keep(id, checks.stream().map(check -> new io.switchboard.session.store.ContactStore
                        .Check(check.input(), check.exists(), check.jid(), check.lid(), null)).toList()));
    }

    /** Announces a presence ({@code state}: available, unavailable; composing, recording, paused in a chat; subscribe to a contact). */
    private Uni<Void> presence(String state, String phone) {
        WhatsAppClient running = client;
        if (running == null) {
            return notRunningHere(new PhoneReupload.Failed("not-connected",
                    "The organization's WhatsApp is not connected, so no presence can be sent."));
        }
        return Uni.createFrom().completionStage(() -> ("subscribe".equals(state) ? running.subscribePresence(phone)
                        : running.sendPresence(state, phone)).toCompletionStage())
                .onFailure().transform(error -> new PhoneReupload.Failed("not-connected", "The presence could not be sent: "
                        + error.getMessage()));
    }

    /** Sends the read receipt for received messages {@code ids} of the chat with {@code phone}, then records it. */
    private Uni<Void> markRead(String phone, java.util.List<String> ids) {
        WhatsAppClient running = client;
        if (running == null) {
            return notRunningHere(new PhoneReupload.Failed("not-connected",
                    "The organization's WhatsApp is not connected, so read receipts cannot be sent."));
        }
        return Uni.createFrom().completionStage(() -> running.markRead(phone, ids).toCompletionStage())
                .onFailure().transform(error -> new PhoneReupload.Failed("not-connected",
                        "The read receipt could not be sent: " + error.getMessage()))
                .flatMap(ignored -> ctx.messages().markedRead(id, phone, ids));
    }

    /** No client runs here: handed to the replica holding a live claim ({@link OwnedElsewhere}), else {@code notConnected}. */
    private <T> Uni<T> notRunningHere(RuntimeException notConnected) {
        return ctx.store().find(id).flatMap(row -> {
            String owner = row.filter(stored -> stored.leaseLive()).map(stored -> stored.owner()).orElse(null);
            return Uni.createFrom().failure(owner != null && !owner.isEmpty() && !owner.equals(ctx.replicaId())
                    ? new OwnedElsewhere(id, owner) : notConnected);
        });
    }

    private static PhoneReupload.Failed notConnectedForRetry() {
        return new PhoneReupload.Failed("not-connected", "The organization's WhatsApp is not connected, so its phone cannot be"
                + " asked to upload the file again.");
    }

    private static Throwable retryProblem(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return new PhoneReupload.Failed("phone-did-not-answer", "The phone did not upload the file again in time (it must be"
                    + " online with the file on it).");
        }
        if (cause instanceof IllegalStateException) {
            return notConnectedForRetry();
        }
        if (cause instanceof io.switchboard.protocol.media.MediaDecryptor.CorruptMediaException) {
            return new PhoneReupload.Failed("media-retry-failed", "The phone's answer could not be read: " + cause.getMessage());
        }
        return cause;
    }

    private Uni<Void> start(SessionCommand command) {
        switch (command.kind()) {
            case LINK_CODE:
                return claim().flatMap(ignored -> linkByCode(command.phone()));
            case LINK:
                return claim().flatMap(ignored -> link(true));
            case RECONNECT:
                return claim().flatMap(ignored -> reconnect());
            case DISCONNECT:
                return disconnect();
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
    Uni<Void> adopted(Fence claimed, long claimSentNanos, Adoption.Settled onSettled) {
        return lane.submit(() -> {
            stopClient();
            fence = claimed;
            trustedUntil = claimSentNanos + ctx.trustNanos();
            return reload().flatMap(ignored -> {
                SessionState current = record.state();
                boolean resumable = current == SessionState.CONNECTING || current == SessionState.PAIRED_RESTARTING
                        || current == SessionState.CONNECTED || current == SessionState.RECONNECTING;
                if (linked && resumable) {
                    settled = onSettled::loginSettled;
                    return login("adopted: no live replica held the connection");
                }
                onSettled.nothingToLogIn();
                if (!current.isActive()) {
                    return release();
                }
                return transition(SessionEvent.INTERRUPTED, "linking interrupted: the replica running it stopped; link again",
                        null, SessionStore.KEEP, r -> r.withRetry(0, null), null).flatMap(stored -> release());
            });
        }).onFailure().call(error -> {
            // Failed on this replica's side (the database did not answer in time, say): adoption counts it as overload.
            settled = null;
            onSettled.loginFailed();
            return letGoIfIdle(claimed);
        });
    }

    /**
     * An adoption that failed before a client ran under its claim lets the claim go, so that it is adopted again
     * (here or by another replica) rather than held and renewed with no connection behind it (seen: 100 sessions of
     * a cold start of 10,000 whose reload timed out stayed CONNECTED with no client until the replica stopped). If
     * the release fails too, the claim is no longer renewed and expires within the lease.
     */
    private Uni<Void> letGoIfIdle(Fence claimed) {
        return lane.submit(() -> {
            Fence current = fence;
            if (current == null || current.epoch() != claimed.epoch() || running()) {
                return Uni.createFrom().voidItem();
            }
            LOG.warnf("session %s: adoption failed before the connection started; the claim is let go to be adopted again", id);
            stopClient();
            return release();
        });
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

    // ---- what the client says ------------------------------------------------------------------

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

    @Override
    Uni<Void> onCredentials(int from, Credentials credentials) {
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

    @Override
    Uni<Void> onEvent(int from, ClientEvent event) {
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
        }
        if (event instanceof ClientEvent.Presence presence) {
            return ctx.messages().presence(id, presence.jid(), presence.state(), presence.lastSeen(), presence.at())
                    .onFailure().invoke(error -> LOG.warnf("session %s: a presence event was not stored: %s", id, error.getMessage()))
                    .onFailure().recoverWithNull();
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

    /**
     * Held, in an active state, yet nothing runs (a client closed under us, no timer): never left
     * so. A linked connection is a lost connection (retried with backoff); a linking in progress
     * starts again with a fresh client (a new QR); a retry wait gets its timer back.
     */
    @Override
    Uni<Void> resumeIfIdle(String why) {
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

    @Override
    Uni<Void> retryDue(int from) {
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
}
