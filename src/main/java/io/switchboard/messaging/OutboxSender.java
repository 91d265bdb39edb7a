package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.switchboard.protocol.client.SendRefused;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.db.Fence;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Sends one organization's outbox through its running client, paced, a batch at a time: the
 * oldest waiting texts, as many as the pacing lets out within a second (at most {@link #BATCH}),
 * are marked "sending" (one fenced statement) before any goes out; each chat's texts then go out
 * one after another, oldest first (order within a chat is kept: the next leaves only once WhatsApp
 * acked the one before), different chats at the same time; the
 * acked ones are recorded "sent" together (one fenced transaction) before the next batch. A text
 * found "sending" after a crash goes out again under the same WhatsApp id, which recipients keep
 * once. A text that can never be delivered fails with WhatsApp's reason; anything else (connection
 * gone, timeout) stops its chat for this batch — the texts behind it in that chat are not tried and
 * their attempt is taken back — and leaves them waiting for the next drain.
 */
public final class OutboxSender {

    private static final Logger LOG = Logger.getLogger(OutboxSender.class);
    /** Attempts (including ones cut short) before a text fails with {@code send-error}. */
    static final int MAX_ATTEMPTS = 10;
    /** Texts taken from the outbox at once, at most: no more than the pacing lets out within {@link #BATCH_SPAN_MILLIS}. */
    static final int BATCH = 64;
    private static final long BATCH_SPAN_MILLIS = 1_000;
    private static final long RETRY_MILLIS = 5_000;

    private final OutboxConnection session;
    private final OutboxStore outbox;
    private final MediaSender media;
    private final Vertx vertx;
    private final SendPacer pacer;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean again;

    public OutboxSender(OutboxConnection session, OutboxStore outbox, MediaSender media, MessagesConfig config, Vertx vertx) {
        this.session = session;
        this.outbox = outbox;
        this.media = media;
        this.vertx = vertx;
        this.pacer = new SendPacer(config.sendRate(), config.sendBurst());
    }

    /** Sends what waits, unless a drain is running (then it looks again when done). */
    public void drain() {
        if (!draining.compareAndSet(false, true)) {
            again = true;
            return;
        }
        again = false;
        next();
    }

    /** What one batch came to: acked texts, texts never tried, and whether a chat stopped for a passing reason. */
    private static final class Batch {
        final Map<UUID, Instant> acked = new ConcurrentHashMap<>();
        final List<UUID> untried = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile boolean interrupted;
    }

    private void next() {
        WhatsAppClient client = session.runningClient();
        Fence fence = session.currentFence();
        if (client == null || fence == null || !client.isConnected()) {
            stop();
            return;
        }
        // No more than the pacing lets out within a second: "sent" is recorded per batch, and should not wait long.
        int batchSize = Math.min(BATCH, pacer.allowedWithin(BATCH_SPAN_MILLIS));
        outbox.pending(session.organizationId(), batchSize).subscribe().with(pending -> {
            if (pending.isEmpty()) {
                stop();
                return;
            }
            Map<String, List<OutboxStore.Outbound>> chats = new LinkedHashMap<>();
            pending.forEach(message -> chats.computeIfAbsent(message.to(), chat -> new ArrayList<>()).add(message));
            Batch batch = new Batch();
            List<UUID> ids = pending.stream().map(OutboxStore.Outbound::id).toList();
            session.fencedWrite(fence, () -> outbox.sendingAll(fence, session.organizationId(), ids))
                    .flatMap(ignored -> Uni.join().all(chats.values().stream().map(chat -> chat(client, fence, chat, 0, batch)).toList())
                            .andCollectFailures().replaceWithVoid())
                    .flatMap(ignored -> session.fencedWrite(fence, () -> outbox.sentAll(fence, session.organizationId(), batch.acked)))
                    .flatMap(ignored -> session.fencedWrite(fence, () -> outbox.untried(fence, session.organizationId(),
                            List.copyOf(batch.untried))))
                    .subscribe().with(ok -> {
                        if (batch.interrupted) {
                            stop();
                            retryLater();
                        } else {
                            next();
                        }
                    }, error -> stop());
        }, error -> {
            stop();
            retryLater();
        });
    }

    /** Sends {@code chat}'s texts from {@code index} on, one after another; never fails (outcomes go to {@code batch}). */
    private Uni<Void> chat(WhatsAppClient client, Fence fence, List<OutboxStore.Outbound> chat, int index, Batch batch) {
        if (index >= chat.size()) {
            return Uni.createFrom().voidItem();
        }
        OutboxStore.Outbound message = chat.get(index);
        long wait = pacer.reserveMillis();
        Uni<Void> paced = wait <= 0 ? Uni.createFrom().voidItem()
                : Uni.createFrom().emitter(emitter -> vertx.setTimer(wait, t -> emitter.complete(null)));
        return paced.flatMap(ignored -> send(client, fence, message, batch))
                .onFailure().recoverWithItem(error -> {
                    // A failure recording a refusal (the database, the fence): the text waits for the next drain.
                    LOG.debugf("session %s: text %s: %s", session.organizationId(), message.id(), error.getMessage());
                    return Outcome.INTERRUPTED;
                })
                .flatMap(outcome -> {
                    if (outcome != Outcome.INTERRUPTED) {
                        return chat(client, fence, chat, index + 1, batch);
                    }
                    batch.interrupted = true;
                    chat.subList(index + 1, chat.size()).forEach(rest -> batch.untried.add(rest.id()));
                    return Uni.createFrom().voidItem();
                });
    }

    private enum Outcome { SENT, FAILED, INTERRUPTED }

    /** One text: uploaded if it is a file (the upload kept for a retry), sent, and acked or refused. */
    private Uni<Outcome> send(WhatsAppClient client, Fence fence, OutboxStore.Outbound message, Batch batch) {
        return (message.media() == null ? Uni.createFrom().item(message.content())
                : media.uploaded(session, client, fence, message).map(uploaded -> message.withMedia(uploaded).content()))
                .flatMap(content -> Uni.createFrom().completionStage(() -> (message.to().endsWith("@g.us")
                        ? client.sendGroupMessage(message.to(), content, message.whatsappId())
                        : client.sendMessage(message.to(), content, message.whatsappId())).toCompletionStage()))
                .map(sent -> {
                    batch.acked.put(message.id(), sent.at());
                    return Outcome.SENT;
                })
                .onFailure().recoverWithUni(error -> {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof SendRefused refused) {
                        return record(fence, () -> outbox.failed(fence, session.organizationId(), message.id(), refused.reason(),
                                refused.getMessage())).replaceWith(Outcome.FAILED);
                    }
                    if (message.attempts() + 1 >= MAX_ATTEMPTS && client.isConnected()) {
                        return record(fence, () -> outbox.failed(fence, session.organizationId(), message.id(), "send-error",
                                "not sent after " + MAX_ATTEMPTS + " attempts: " + cause.getMessage())).replaceWith(Outcome.FAILED);
                    }
                    LOG.debugf("session %s: text %s not sent yet: %s", session.organizationId(), message.id(), cause.getMessage());
                    return Uni.createFrom().item(Outcome.INTERRUPTED);
                });
    }

    private Uni<Void> record(Fence fence, Supplier<Uni<Void>> write) {
        return session.fencedWrite(fence, write);
    }

    private void stop() {
        draining.set(false);
        if (again) {
            drain();
        }
    }

    private void retryLater() {
        vertx.setTimer(RETRY_MILLIS, t -> drain());
    }
}
