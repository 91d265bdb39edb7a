package io.switchboard.session;

import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.ClientEvent;
import io.switchboard.protocol.client.InboundMessage;
import io.switchboard.protocol.client.SentText;
import io.switchboard.protocol.client.SignalStore;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.switchboard.db.Fence;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * What one client of a session stores, and where: Signal sessions and received messages under the
 * session's claim (in its lane, refused once the client was replaced), receipts' statuses in the
 * outbox before they are acknowledged, and the texts a device asks for again read from the outbox.
 */
final class SessionSignalStore implements SignalStore {

    private static final Logger LOG = Logger.getLogger(SessionSignalStore.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);
    private static final Duration LAST_RETRY = Duration.ofSeconds(1);

    /** A write under the claim of the client of one generation: run in the session's lane, fenced. */
    interface Fenced {
        Uni<Void> write(String what, Function<Fence, Uni<Void>> call);
    }

    /** Signal session records kept in memory per client, most recently used last. */
    static final int KEPT_SESSIONS = 8;

    private final UUID id;
    private final SessionContext ctx;
    private final Fenced fenced;
    /**
     * The records this client read or wrote last: this client is their only writer while it holds the claim
     * (every write is fenced, and a new client starts with none kept), so a kept record is what PostgreSQL holds.
     * A write that failed (perhaps committed, perhaps not) forgets its addresses, and a read that was in flight
     * while any write ended is not kept ({@link #writes}): it may be older than that write, which eviction could
     * otherwise let it replace.
     */
    private final java.util.LinkedHashMap<String, SignalSessionRecord> kept = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SignalSessionRecord> eldest) {
            return size() > KEPT_SESSIONS;
        }
    };
    private long writes;

    SessionSignalStore(UUID id, SessionContext ctx, Fenced fenced) {
        this.id = id;
        this.ctx = ctx;
        this.fenced = fenced;
    }

    @Override
    public Future<SignalSessionRecord> session(String address) {
        long writesBefore;
        synchronized (kept) {
            SignalSessionRecord known = kept.get(address);
            if (known != null) {
                return Future.succeededFuture(known);
            }
            writesBefore = writes;
        }
        return future(ctx.messages().signalSession(id, address).invoke(record -> {
            synchronized (kept) {
                if (writes == writesBefore) {
                    kept.putIfAbsent(address, record);
                }
            }
        }));
    }

    /** Keeps what a write stored, or forgets what a failed one may or may not have stored. */
    private Uni<Void> keeping(Map<String, SignalSessionRecord> records, Uni<Void> write) {
        return write.invoke(() -> {
            synchronized (kept) {
                writes++;
                kept.putAll(records);
            }
        }).onFailure().invoke(error -> {
            synchronized (kept) {
                writes++;
                records.keySet().forEach(kept::remove);
            }
        });
    }

    @Override
    public Future<Void> lidMappings(Map<String, String> lidToPhone) {
        return future(fenced.write("mappings", fence -> ctx.messages().lidMappings(fence, id, lidToPhone)));
    }

    @Override
    public Future<String> phoneOfLid(String lidUser) {
        return future(ctx.messages().phoneOfLid(id, lidUser));
    }

    @Override
    public Future<Boolean> alreadyReceived(String sender, String messageId) {
        return future(ctx.messages().alreadyReceived(id, sender, messageId));
    }

    @Override
    public Future<Void> received(Map<String, SignalSessionRecord> records, InboundMessage message) {
        return future(keeping(records, fenced.write("a message", fence -> ctx.messages().received(fence, id, records, message)))
                .invoke(() -> ctx.media().keepReceived(id, message)));
    }

    @Override
    public Future<Void> groupChanged(io.switchboard.protocol.client.GroupStanzas.GroupChange change, String ownPhone) {
        return future(fenced.write("a group change", fence -> ctx.groups().changed(fence, id, change, ownPhone)));
    }

    @Override
    public Future<Void> sent(Map<String, SignalSessionRecord> records) {
        return future(keeping(records, fenced.write("sessions advanced by sending", fence -> ctx.messages().sessionsSent(fence, id,
                records))));
    }

    @Override
    public Future<SentText> sentText(String whatsappId) {
        return future(ctx.outbox().sentText(id, whatsappId));
    }

    /**
     * The status a receipt moves our texts to, stored before the client acknowledges the receipt:
     * retried with backoff while the database errs (for at most a lease); still failing, the
     * receipt stays unacknowledged and WhatsApp hands it over again at the next login.
     */
    @Override
    public Future<Void> receipted(ClientEvent.Receipt receipt) {
        String status = "delivery".equals(receipt.type()) ? "delivered"
                : "read".equals(receipt.type()) || "played".equals(receipt.type()) ? "read" : null;
        if (status == null) {
            return Future.succeededFuture();
        }
        String participant = receipt.group() == null ? null : receipt.from().substring(0, Math.max(0, receipt.from().indexOf('@')))
                .split(":")[0];
        boolean perParticipant = participant != null && participant.matches("[0-9]{5,20}") && !receipt.from().endsWith("@lid");
        return future(Uni.createFrom().deferred(() -> ctx.outbox().receipt(id, receipt.ids(), status, receipt.at())
                        .flatMap(moved -> !perParticipant ? Uni.createFrom().item(moved)
                                : ctx.outbox().participantReceipt(id, receipt.ids(), participant, status, receipt.at()).replaceWith(moved)))
                .onFailure().invoke(error -> {
                    ctx.metrics().writeRetried();
                    LOG.debugf("session %s: storing a %s receipt failed, retrying: %s", id, receipt.type(), error);
                })
                .onFailure().retry().withBackOff(FIRST_RETRY, LAST_RETRY).expireIn(ctx.lease().toMillis())
                .onFailure().invoke(error -> LOG.warnf("session %s: a %s receipt for %s was not stored and is left"
                        + " unacknowledged (WhatsApp hands it over again at the next login): %s", id, receipt.type(),
                        receipt.ids(), error.getMessage()))
                .replaceWithVoid());
    }

    private static <T> Future<T> future(Uni<T> uni) {
        return Future.fromCompletionStage(uni.subscribeAsCompletionStage());
    }
}
