package io.switchboard.protocol.client;

import io.switchboard.protocol.proto.SignalSessionRecord;
import io.vertx.core.Future;

/**
 * Where a client keeps its Signal sessions (one record per remote address, {@code user.device})
 * and puts the messages it received. {@link #received} stores the advanced session and the
 * message together; the client acknowledges the message to WhatsApp only after it succeeded.
 */
public interface SignalStore {

    /** The record for {@code address}; the empty record when there is none. */
    Future<SignalSessionRecord> session(String address);

    /**
     * Stores the records a received message advanced (a pairwise session, a group member's sender
     * key) and the message, together.
     */
    Future<Void> received(java.util.Map<String, SignalSessionRecord> records, InboundMessage message);

    /**
     * Stores what a group notification says (the metadata kept, the event); {@code ownPhone} is our
     * number. The client acknowledges the notification only after this succeeded.
     */
    Future<Void> groupChanged(GroupStanzas.GroupChange change, String ownPhone);

    /** Whether the message {@code id} from {@code sender} was stored already (a redelivery). */
    Future<Boolean> alreadyReceived(String sender, String id);

    /** Stores session records advanced by sending, before the message goes out (a counter is never used twice). */
    Future<Void> sent(java.util.Map<String, SignalSessionRecord> records);

    /** Remembers which phone number each LID user ({@code lidUser → phone digits}) stands for. */
    Future<Void> lidMappings(java.util.Map<String, String> lidToPhone);

    /** The phone number (digits) a LID user stands for; null when unknown. */
    Future<String> phoneOfLid(String lidUser);

    /**
     * Stores what a receipt for messages we sent says (delivered, read, played); the client
     * acknowledges the receipt to WhatsApp only after this succeeded.
     */
    Future<Void> receipted(ClientEvent.Receipt receipt);

    /**
     * The text we sent as WhatsApp message {@code id}, for a device that asks for it again (also
     * after a reconnect, a restart, on another replica); null when unknown.
     */
    Future<SentText> sentText(String id);

    /** Kept in memory only: for tests and tools, never for a service (a restart loses every session). */
    static SignalStore inMemory(java.util.function.Consumer<InboundMessage> sink) {
        java.util.Map<String, SignalSessionRecord> records = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Map<String, String> lids = new java.util.concurrent.ConcurrentHashMap<>();
        return new SignalStore() {
            @Override
            public Future<Void> lidMappings(java.util.Map<String, String> lidToPhone) {
                lids.putAll(lidToPhone);
                return Future.succeededFuture();
            }

            @Override
            public Future<String> phoneOfLid(String lidUser) {
                return Future.succeededFuture(lids.get(lidUser));
            }

            @Override
            public Future<Boolean> alreadyReceived(String sender, String id) {
                return Future.succeededFuture(seen.contains(sender + " " + id));
            }

            @Override
            public Future<SignalSessionRecord> session(String address) {
                return Future.succeededFuture(records.getOrDefault(address, SignalSessionRecord.getDefaultInstance()));
            }

            @Override
            public Future<Void> groupChanged(GroupStanzas.GroupChange change, String ownPhone) {
                return Future.succeededFuture();
            }

            @Override
            public Future<Void> received(java.util.Map<String, SignalSessionRecord> advanced, InboundMessage message) {
                records.putAll(advanced);
                if (seen.add(message.sender() + " " + message.id())) {
                    sink.accept(message);
                }
                return Future.succeededFuture();
            }

            @Override
            public Future<Void> receipted(ClientEvent.Receipt receipt) {
                return Future.succeededFuture();
            }

            @Override
            public Future<SentText> sentText(String id) {
                // Nothing outlives the client here: the client's own memory of what it sent is all there is.
                return Future.succeededFuture(null);
            }

            @Override
            public Future<Void> sent(java.util.Map<String, SignalSessionRecord> updated) {
                records.putAll(updated);
                return Future.succeededFuture();
            }
        };
    }
}
