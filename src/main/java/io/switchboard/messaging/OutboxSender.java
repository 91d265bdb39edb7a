package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.switchboard.protocol.client.SendRefused;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.db.Fence;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Sends one organization's outbox through its running client, oldest first, one at a time, paced.
 * Each text is marked "sending" (fenced) before it goes out and "sent" once WhatsApp acked it;
 * one found "sending" after a crash goes out again under the same WhatsApp id, which recipients
 * keep once. A text that can never be delivered fails with WhatsApp's reason; anything else
 * (connection gone, timeout) leaves it waiting for the next drain.
 */
public final class OutboxSender {

    private static final Logger LOG = Logger.getLogger(OutboxSender.class);
    /** Attempts (including ones cut short) before a text fails with {@code send-error}. */
    static final int MAX_ATTEMPTS = 10;
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

    private void next() {
        WhatsAppClient client = session.runningClient();
        Fence fence = session.currentFence();
        if (client == null || fence == null || !client.isConnected()) {
            stop();
            return;
        }
        outbox.pending(session.organizationId(), 1).subscribe().with(pending -> {
            if (pending.isEmpty()) {
                stop();
                return;
            }
            OutboxStore.Outbound message = pending.get(0);
            long wait = pacer.reserveMillis();
            if (wait > 0) {
                vertx.setTimer(wait, t -> send(client, fence, message));
            } else {
                send(client, fence, message);
            }
        }, error -> {
            stop();
            retryLater();
        });
    }

    private void send(WhatsAppClient client, Fence fence, OutboxStore.Outbound message) {
        session.fencedWrite(fence, () -> outbox.sending(fence, session.organizationId(), message.id()))
                .flatMap(ignored -> message.media() == null ? Uni.createFrom().item(message.content())
                        : media.uploaded(session, client, fence, message).map(uploaded -> message.withMedia(uploaded).content()))
                .flatMap(content -> Uni.createFrom().completionStage(() -> (message.to().endsWith("@g.us")
                        ? client.sendGroupMessage(message.to(), content, message.whatsappId())
                        : client.sendMessage(message.to(), content, message.whatsappId())).toCompletionStage()))
                .subscribe().with(sent -> record(fence, () -> outbox.sent(fence, session.organizationId(), message.id(), sent.at())),
                        error -> {
                            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                            if (cause instanceof SendRefused) {
                                SendRefused refused = (SendRefused) cause;
                                record(fence, () -> outbox.failed(fence, session.organizationId(), message.id(), refused.reason(),
                                        refused.getMessage()));
                            } else if (message.attempts() + 1 >= MAX_ATTEMPTS && client.isConnected()) {
                                record(fence, () -> outbox.failed(fence, session.organizationId(), message.id(), "send-error",
                                        "not sent after " + MAX_ATTEMPTS + " attempts: " + cause.getMessage()));
                            } else {
                                LOG.debugf("session %s: text %s not sent yet: %s", session.organizationId(), message.id(), cause.getMessage());
                                stop();
                                retryLater();
                            }
                        });
    }

    private void record(Fence fence, Supplier<Uni<Void>> write) {
        session.fencedWrite(fence, write).subscribe().with(ok -> next(), error -> stop());
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
