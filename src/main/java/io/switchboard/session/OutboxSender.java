package io.switchboard.session;

import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.SendRefused;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.db.Fence;
import io.switchboard.session.store.OutboxStore;
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
final class OutboxSender {

    private static final Logger LOG = Logger.getLogger(OutboxSender.class);
    /** Attempts (including ones cut short) before a text fails with {@code send-error}. */
    static final int MAX_ATTEMPTS = 10;
    private static final long RETRY_MILLIS = 5_000;

    private final HeldSession session;
    private final SessionContext ctx;
    private final SendPacer pacer;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile boolean again;

    OutboxSender(HeldSession session, SessionContext ctx) {
        this.session = session;
        this.ctx = ctx;
        this.pacer = new SendPacer(ctx.messaging().sendRate(), ctx.messaging().sendBurst());
    }

    /** Sends what waits, unless a drain is running (then it looks again when done). */
    void drain() {
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
        ctx.outbox().pending(session.id, 1).subscribe().with(pending -> {
            if (pending.isEmpty()) {
                stop();
                return;
            }
            OutboxStore.Outbound message = pending.get(0);
            long wait = pacer.reserveMillis();
            if (wait > 0) {
                ctx.vertx().setTimer(wait, t -> send(client, fence, message));
            } else {
                send(client, fence, message);
            }
        }, error -> {
            stop();
            retryLater();
        });
    }

    private void send(WhatsAppClient client, Fence fence, OutboxStore.Outbound message) {
        session.fencedWrite(fence, () -> ctx.outbox().sending(fence, session.id, message.id()))
                .flatMap(ignored -> Uni.createFrom().completionStage(() -> client.sendText(message.to(), message.text(),
                        message.whatsappId()).toCompletionStage()))
                .subscribe().with(sent -> record(fence, () -> ctx.outbox().sent(fence, session.id, message.id(), sent.at())),
                        error -> {
                            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                            if (cause instanceof SendRefused) {
                                SendRefused refused = (SendRefused) cause;
                                record(fence, () -> ctx.outbox().failed(fence, session.id, message.id(), refused.reason(),
                                        refused.getMessage()));
                            } else if (message.attempts() + 1 >= MAX_ATTEMPTS && client.isConnected()) {
                                record(fence, () -> ctx.outbox().failed(fence, session.id, message.id(), "send-error",
                                        "not sent after " + MAX_ATTEMPTS + " attempts: " + cause.getMessage()));
                            } else {
                                LOG.debugf("session %s: text %s not sent yet: %s", session.id, message.id(), cause.getMessage());
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
        ctx.vertx().setTimer(RETRY_MILLIS, t -> drain());
    }
}
