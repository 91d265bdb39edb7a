package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Instant;
import io.switchboard.protocol.message.Plaintext;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.switchboard.protocol.signal.LocalIdentity;
import io.switchboard.protocol.signal.PreKeyBundle;
import io.switchboard.protocol.signal.SessionCipher;
import io.switchboard.protocol.signal.SignalException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * What reaches us: messages (decrypted, stored, then receipted and acknowledged; answered with
 * retry receipts when they do not decrypt), receipts for what we sent (stored, then acknowledged),
 * and retry receipts from devices that could not decrypt our text (sent to them again).
 */
abstract class ClientReceiving extends ClientLinking {

    ClientReceiving(Vertx vertx, ClientOptions options, Credentials credentials, CredentialsStore store, SignalStore signal,
            Handler<ClientEvent> events, Clock clock) {
        super(vertx, options, credentials, store, signal, events, clock);
    }

    @Override
    public void onMessage(Connection from, Node message) {
        serialized(() -> receive(from, message));
    }

    /**
     * Decrypts one message, stores the session update with it, then sends the delivery receipt and
     * the ack. A message stored before (a redelivery) is receipted and acknowledged again, never
     * stored twice. One that does not decrypt is answered with a retry receipt (up to
     * {@link Retries#MAX}), then acknowledged; one that cannot be stored is not acknowledged, so
     * WhatsApp delivers it again at the next login.
     */
    Future<Void> receive(Connection from, Node message) {
        if (from != connection) {
            return Future.succeededFuture();
        }
        return senderOf(message).compose(sender -> onContextFuture(() -> receive(from, message, sender)));
    }

    /**
     * The sending device as a phone-number jid: {@code from}, or for a LID-addressed message the
     * phone of {@code sender_pn} (remembered) or of the LID as learned before; null when unknown.
     */
    Future<String> senderOf(Node message) {
        String chat = message.attribute("from").orElse("");
        String from = chat.endsWith(GroupStanzas.SERVER) ? message.attribute("participant").orElse("") : chat;
        String lid = Inbound.lidUser(from);
        if (lid == null) {
            return Future.succeededFuture(from);
        }
        String phone = Inbound.senderPhone(message);
        if (phone != null) {
            learnLids(Map.of(lid, phone));
            return Future.succeededFuture(Inbound.phoneDevice(from, phone));
        }
        String known = knownLids.get(lid);
        return (known != null ? Future.succeededFuture(known) : signal.phoneOfLid(lid).otherwise((String) null))
                .map(found -> found == null ? null : Inbound.phoneDevice(from, found));
    }

    /** Remembers LID → phone pairs; new or changed ones are stored. */
    @Override
    public void onDevicesChanged(Connection from, Node notification) {
        notification.attribute("from").ifPresent(this::forgetDevices);
        notification.attribute("lid").ifPresent(this::forgetDevices);
    }

    /** Forgets the device list of the user {@code jid} names (a device, LID or phone-number jid). */
    void forgetDevices(String jid) {
        if (jid.indexOf('@') <= 0 || jid.endsWith(GroupStanzas.SERVER)) {
            return;
        }
        deviceLists.forget(Inbound.userJid(jid));
        String lid = Inbound.lidUser(jid);
        String phone = lid == null ? null : knownLids.get(lid);
        if (phone != null) {
            deviceLists.forget(phone + Stanza.SERVER);
        }
    }

    /**
     * The devices of {@code users} (user jids) a message goes to, never our own: the lists known
     * ({@link DeviceLists}), the others asked in one usync query (which also tells their LIDs).
     */
    Future<List<String>> devicesOf(Connection current, Credentials.Account account, List<String> users) {
        List<String> missing = deviceLists.missing(users);
        if (missing.isEmpty()) {
            return Future.succeededFuture(deviceLists.devicesOf(users, Map.of()));
        }
        return current.query(Outbound.deviceQuery(current.nextIqId(), missing)).map(answer -> {
            learnLids(Outbound.lids(answer));
            return deviceLists.devicesOf(users, deviceLists.learned(missing, Outbound.devices(answer, account.deviceJid()),
                    Outbound.users(answer)));
        });
    }

    void learnLids(Map<String, String> lids) {
        Map<String, String> changed = new LinkedHashMap<>();
        lids.forEach((lid, phone) -> {
            if (!phone.equals(knownLids.put(lid, phone))) {
                changed.put(lid, phone);
            }
        });
        if (!changed.isEmpty()) {
            signal.lidMappings(changed).onFailure(error -> changed.keySet().forEach(knownLids::remove));
        }
    }

    Future<Void> receive(Connection from, Node message, String sender) {
        if (from != connection) {
            return Future.succeededFuture();
        }
        if (message.attribute("from").orElse("").endsWith(GroupStanzas.SERVER)) {
            return receiveGroup(from, message, sender);
        }
        String id = message.attribute("id").orElse("");
        Node enc = message.children().stream().filter(child -> "enc".equals(child.tag())).findFirst().orElse(null);
        if (enc == null || enc.bytes().isEmpty()) {
            from.send(Stanza.ack(message));
            return Future.succeededFuture();
        }
        String type = enc.attribute("type").orElse("");
        String address = sender == null ? null : Inbound.signalAddress(sender);
        if (address == null || (!"pkmsg".equals(type) && !"msg".equals(type))) {
            from.send(Stanza.ack(message));
            events.handle(new ClientEvent.Undecryptable(id, message.attribute("from").orElse(""), "unsupported: "
                    + (address == null ? "sender " + message.attribute("from").orElse("") : "enc type " + type
                    )));
            return Future.succeededFuture();
        }
        Credentials keys = credentials;
        Future<Inbound.Decrypted> stored = signal.alreadyReceived(sender, id).compose(seen -> seen
                ? Future.failedFuture(new Inbound.Duplicate())
                : signal.session(address).compose(record -> {
                    Inbound.Decrypted decrypted;
                    try {
                        decrypted = Inbound.decrypt(keys, record, type, enc.bytes().get());
                    } catch (Inbound.Unreadable e) {
                        return Future.failedFuture(e);
                    }
                    if (decrypted.read() == null) {
                        // Protocol-only content (keys, history sync, settings): the session still moves on.
                        return signal.sent(Map.of(address, decrypted.record())).map(ignored -> decrypted);
                    }
                    InboundMessage received = InboundMessage.of(id, sender, message.attribute("recipient")
                            .orElse(Inbound.userJid(sender)), message.attribute("t")
                            .filter(t -> t.matches("[0-9]{1,12}")).map(t -> Instant.ofEpochSecond(Long.parseLong(t))).orElse(null),
                            decrypted.read());
                    return signal.received(Map.of(address, decrypted.record()), received).map(ignored -> decrypted);
                }));
        return stored.transform(done -> onContextFuture(() -> afterReceive(from, message, sender, done)));
    }

    /** A group message (its sender resolved to a phone-number device jid, or null): see {@link ClientGroups}. */
    abstract Future<Void> receiveGroup(Connection from, Node message, String sender);

    /** A member device asked again for our group message {@code id}: see {@link ClientGroups}. */
    abstract void resendInGroup(Connection from, Node receipt, String id, String device, SentText sent, int count);

    Future<Void> afterReceive(Connection from, Node message, String sender,
            io.vertx.core.AsyncResult<Inbound.Decrypted> done) {
        String id = message.attribute("id").orElse("");
        if (from != connection) {
            return Future.succeededFuture();
        }
        if (done.succeeded() || done.cause() instanceof Inbound.Duplicate) {
            from.send(Inbound.receipt(message));
            from.send(Stanza.ack(message));
            retries.decrypted(id, sender);
            Integer used = done.succeeded() ? done.result().usedPreKeyId() : null;
            return used == null ? Future.succeededFuture() : prunePreKey(used);
        }
        if (done.cause() instanceof Inbound.Unreadable) {
            Inbound.Unreadable unreadable = (Inbound.Unreadable) done.cause();
            int count = unreadable.retryable ? retries.nextAsk(id, sender) : 0;
            if (count > 0) {
                events.handle(new ClientEvent.Retry(id, sender, count, true));
                return askAgain(from, message, count).onComplete(ignored -> {
                    if (from == connection) {
                        from.send(Stanza.ack(message));
                    }
                });
            }
            // WhatsApp would deliver it again and again: acknowledged, reported.
            from.send(Stanza.ack(message));
            events.handle(new ClientEvent.Undecryptable(id, sender, unreadable.getMessage()
                    + (unreadable.retryable ? " (after " + Retries.MAX + " retry receipts)" : "")));
            return Future.succeededFuture();
        }
        // Not stored: not acknowledged either, so WhatsApp delivers it again at the next login.
        events.handle(new ClientEvent.Undecryptable(id, sender, "not stored, left for redelivery: " + done.cause().getMessage()));
        return Future.succeededFuture();
    }

    /**
     * Sends the retry receipt; from the second attempt on it carries a fresh one-time pre-key,
     * stored with the credentials before it is handed out (the sender may start a session on it).
     */
    Future<Void> askAgain(Connection from, Node message, int count) {
        if (count < 2) {
            from.send(Retries.receipt(message, count, credentials, null));
            return Future.succeededFuture();
        }
        Credentials updated = credentials.withNewPreKeys(1);
        Credentials.PreKey fresh = updated.preKeys().get(updated.preKeys().size() - 1);
        return store.save(updated).transform(saved -> onContextFuture(() -> {
            if (saved.succeeded()) {
                credentials = updated;
            }
            if (from == connection) {
                from.send(Retries.receipt(message, count, credentials, saved.succeeded() ? fresh : null));
            }
            return Future.<Void>succeededFuture();
        }));
    }

    /** Forgets a one-time pre-key a session was started with, as libsignal does (kept if the store fails: harmless). */
    Future<Void> prunePreKey(int id) {
        Credentials updated = credentials.withoutPreKey(id);
        if (updated.preKeys().size() == credentials.preKeys().size()) {
            return Future.succeededFuture();
        }
        return store.save(updated).transform(saved -> onContextFuture(() -> {
            if (saved.succeeded()) {
                credentials = credentials.withoutPreKey(id);
            }
            return Future.<Void>succeededFuture();
        }));
    }

    @Override
    public void onReceipt(Connection from, Node receipt) {
        if (from != connection) {
            return;
        }
        String type = receipt.attribute("type").orElse("");
        if ("retry".equals(type)) {
            from.send(Stanza.ack(receipt));
            // The asking device may be one we did not know of: the next send asks for the user's devices again.
            forgetDevices(receipt.attribute("participant").orElse(receipt.attribute("from").orElse("")));
            resend(from, receipt);
            return;
        }
        List<String> ids = new ArrayList<>();
        receipt.attribute("id").ifPresent(ids::add);
        receipt.child("list").ifPresent(list -> list.children().forEach(item -> item.attribute("id").ifPresent(ids::add)));
        String named = receipt.attribute("participant").orElse(receipt.attribute("from").orElse(""));
        String lid = Inbound.lidUser(named);
        String known = lid == null ? null : knownLids.get(lid);
        String device = known != null ? Inbound.phoneDevice(named, known) : named;
        ids.forEach(id -> retries.delivered(id, device));
        Instant at = receipt.attribute("t").filter(t -> t.matches("[0-9]{1,12}"))
                .map(t -> Instant.ofEpochSecond(Long.parseLong(t))).orElse(clock.instant());
        String chat = receipt.attribute("from").orElse("");
        // Our own other devices confirm their copies too: not a participant's receipt.
        boolean own = credentials.account().map(account -> Inbound.userJid(device).equals(account.phone() + Stanza.SERVER)).orElse(false);
        ClientEvent.Receipt received = new ClientEvent.Receipt(ids, device, type.isEmpty() ? "delivery" : type, at,
                chat.endsWith(GroupStanzas.SERVER) && !own ? chat : null);
        events.handle(received);
        // Acknowledged only once stored: unacknowledged, WhatsApp hands it over again at the next login.
        signal.receipted(received).onComplete(stored -> context.runOnContext(ignored -> {
            if (stored.succeeded() && from == connection) {
                from.send(Stanza.ack(receipt));
            }
        }));
    }

    /**
     * A device could not decrypt a message of ours: the same text encrypted again for that device
     * only, sent under the same id with the attempt's count. The first request is answered on the
     * open session (a corrupted or lost message leaves it intact); from the second on, or when
     * there is none, on a new session from the keys in the receipt, else from a fresh bundle. A
     * device that already confirmed delivery of the message is not sent it again (it retried a
     * repeated delivery).
     */
    void resend(Connection from, Node receipt) {
        String id = receipt.attribute("id").orElse("");
        String named = receipt.attribute("participant").orElse(receipt.attribute("from").orElse(""));
        String lid = Inbound.lidUser(named);
        String known = lid == null ? null : knownLids.get(lid);
        String device = known != null ? Inbound.phoneDevice(named, known) : named;
        String address = Inbound.signalAddress(device);
        if (address == null || retries.wasDelivered(id, device)) {
            return;
        }
        SentText kept = retries.sentText(id, clock.instant());
        // Sent by an earlier client (before a reconnect, a restart, on another replica): the store has it.
        Future<SentText> text = kept != null ? Future.succeededFuture(kept) : signal.sentText(id).otherwise((SentText) null);
        text.onComplete(found -> context.runOnContext(ignored -> {
            SentText sent = found.result();
            if (sent != null && from == connection && sent.at().plus(Retries.SENT_KEPT_FOR).isAfter(clock.instant())) {
                if (sent.phone().endsWith(GroupStanzas.SERVER)) {
                    int count = Retries.countOf(receipt);
                    vertx.setTimer(RESEND_DELAY_MILLIS, t -> context.runOnContext(later -> {
                        if (from == connection && !retries.wasDelivered(id, device) && retries.mayResend(id, device)) {
                            resendInGroup(from, receipt, id, device, sent, count);
                        }
                    }));
                    return;
                }
                resendLater(from, receipt, id, device, address, sent);
            }
        }));
    }

    void resendLater(Connection from, Node receipt, String id, String device, String address, SentText sent) {
        int count = Retries.countOf(receipt);
        // A device may ask while it is still decrypting the message another way (Baileys 7 retries decryption
        // itself, then confirms delivery): give its delivery receipt a moment to overtake the resend.
        vertx.setTimer(RESEND_DELAY_MILLIS, t -> context.runOnContext(ignored -> {
            if (from == connection && !retries.wasDelivered(id, device) && retries.mayResend(id, device)) {
                resendNow(from, receipt, id, device, address, sent, count);
            }
        }));
    }

    void resendNow(Connection from, Node receipt, String id, String device, String address, SentText sent,
            int count) {
        events.handle(new ClientEvent.Retry(id, device, count, false));
        resendBundle(from, receipt, device, address, count).compose(keys -> serialized(() -> signal.session(address)
                .compose(record -> onContextFuture(() ->
                        encryptAgain(from, id, device, address, sent, count, record, keys)))))
                .compose(message -> onContextFuture(() -> from.query(message)))
                .onFailure(error -> events.handle(new ClientEvent.Undecryptable(id, device, "could not send it again: "
                        + error.getMessage())));
    }

    /**
     * The keys a resend starts a new session on: those in the retry receipt, else (from the second
     * ask on, or without an open session) a fresh bundle; null to keep the open session.
     */
    Future<PreKeyBundle> resendBundle(Connection from, Node receipt, String device, String address, int count) {
        PreKeyBundle offered = Retries.bundleOf(receipt);
        return offered != null ? Future.succeededFuture(offered)
                : signal.session(address).compose(record -> count < 2 && SessionCipher.hasOpenSession(record)
                        ? Future.succeededFuture(null)
                        : onContextFuture(() -> from.query(Outbound.bundleQuery(from.nextIqId(), List.of(device))))
                                .map(answer -> Outbound.bundles(answer).get(device)));
    }

    Future<Node> encryptAgain(Connection from, String id, String device, String address, SentText sent,
            int count, SignalSessionRecord record, PreKeyBundle bundle) {
        if (from != connection || from.state() != Connection.State.CONNECTED) {
            return Future.failedFuture(new IllegalStateException("the connection ended"));
        }
        Credentials.Account account = credentials.account().orElseThrow();
        SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(), credentials.registrationId()));
        boolean own = device.startsWith(account.phone() + ":") || device.startsWith(account.phone() + "@");
        String chat = sent.phone() + Stanza.SERVER;
        SessionCipher.Encrypted encrypted;
        try {
            SignalSessionRecord fresh = bundle == null ? record : cipher.initiate(record, bundle);
            encrypted = cipher.encrypt(fresh, own ? Plaintext.copy(sent.message(), chat) : Plaintext.message(sent.message()));
        } catch (SignalException e) {
            return Future.failedFuture(e);
        }
        Map<String, String> attrs = Stanza.attrs("id", id, "to", device, "type", Outbound.stanzaType(sent.message()),
                "device_fanout", "false");
        if (own) {
            attrs.put("recipient", chat);
        }
        Map<String, String> encAttrs = Stanza.attrs("v", "2", "type", encrypted.type(), "count", String.valueOf(count));
        Outbound.mediaType(sent.message()).ifPresent(kind -> encAttrs.put("mediatype", kind));
        List<Node> children = new ArrayList<>(List.of(Node.withBytes("enc", encAttrs, encrypted.ciphertext())));
        if ("pkmsg".equals(encrypted.type())) {
            children.add(Node.withBytes("device-identity", Stanza.attrs(), account.signedDeviceIdentity()));
        }
        Node message = Node.withChildren("message", attrs, children);
        return signal.sent(Map.of(address, encrypted.record())).map(ignored -> message);
    }
}
