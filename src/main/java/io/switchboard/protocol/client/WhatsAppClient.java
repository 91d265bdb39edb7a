package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import io.switchboard.protocol.message.Plaintext;
import io.switchboard.protocol.proto.StoredSessionRecord;
import io.switchboard.protocol.signal.LocalIdentity;
import io.switchboard.protocol.signal.PreKeyBundle;
import io.switchboard.protocol.signal.SessionCipher;
import io.switchboard.protocol.signal.SignalException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Base64;
import java.util.List;

/**
 * A WhatsApp multi-device client for one account: registers with fresh credentials (QR pairing)
 * or logs in with stored ones, restarts by itself when the server asks (515), keeps the
 * connection alive, and reports everything as {@link ClientEvent}s. Non-blocking; all state
 * lives on the client's own Vert.x context. It never reconnects after a real disconnect: that
 * policy belongs to the caller.
 */
public final class WhatsAppClient implements Connection.Listener {

    /** The QR link form WhatsApp's current clients show. */
    public static final String QR_LINK_PREFIX = "https://wa.me/settings/linked_devices#";
    /** Restarts in a row (without logging in) before giving up. */
    static final int MAX_RESTARTS = 3;
    /** How long a retry receipt waits before the text is sent again (a delivery receipt in between cancels it). */
    static final long RESEND_DELAY_MILLIS = 1000;

    private enum State { NEW, RUNNING, STOPPED }

    private final Vertx vertx;
    private final Context context;
    private final ClientOptions options;
    private final CredentialsStore store;
    private final SignalStore signal;
    /**
     * Every read-modify-write of Signal sessions (decrypting a received message, encrypting one to
     * send) runs one after another, in order: two at once would each advance the same ratchet
     * from the same stored state, and one of the two updates would be lost.
     */
    private Future<Void> signalWork = Future.succeededFuture();
    private final Handler<ClientEvent> events;
    private final Clock clock;
    private final Retries retries = new Retries();
    /** LID user → phone number, as learned from device lists and sender_pn (the store holds them all). */
    private final Map<String, String> knownLids = java.util.Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 10_000;
        }
    });
    private Credentials credentials;
    private State state = State.NEW;
    /** Set when the client is told to close (any thread) or stops: see {@link #isRunning()}. */
    private volatile boolean ended;
    private Connection connection;
    private int restarts;
    private final List<Long> qrTimers = new ArrayList<>();
    /** The QR on show: its ref, expiry and position, so a companion refresh can redraw it. */
    private ClientEvent.QrCode shownQr;
    private String shownRef;
    /** When the refs run out and the server ends an unpaired stream; a link code is good until then. */
    private Instant pairingEndsAt;
    private LinkCode linkCode;
    private String linkPhone;

    /** A client whose Signal sessions live in memory only (tests and tools). */
    public WhatsAppClient(Vertx vertx, ClientOptions options, Credentials credentials, CredentialsStore store,
            Handler<ClientEvent> events) {
        this(vertx, options, credentials, store, SignalStore.inMemory(message -> { }), events, Clock.systemUTC());
    }

    public WhatsAppClient(Vertx vertx, ClientOptions options, Credentials credentials, CredentialsStore store,
            SignalStore signal, Handler<ClientEvent> events) {
        this(vertx, options, credentials, store, signal, events, Clock.systemUTC());
    }

    WhatsAppClient(Vertx vertx, ClientOptions options, Credentials credentials, CredentialsStore store,
            Handler<ClientEvent> events, Clock clock) {
        this(vertx, options, credentials, store, SignalStore.inMemory(message -> { }), events, clock);
    }

    WhatsAppClient(Vertx vertx, ClientOptions options, Credentials credentials, CredentialsStore store, SignalStore signal,
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

    /** A code to type on the phone (Linked devices → Link with phone number) and how long it can be used. */
    public record PairingCode(String code, Instant expiresAt) {
    }

    /**
     * Asks WhatsApp to link this unpaired device to {@code phone} (digits, country code first) by a
     * code typed on that phone instead of a QR scan. Possible once the QR is on show; asking again
     * replaces the previous code.
     */
    public Future<PairingCode> requestPairingCode(String phone) {
        if (phone == null || !phone.matches("[1-9][0-9]{6,14}")) {
            return Future.failedFuture(new IllegalArgumentException("phone must be 7 to 15 digits, country code first"));
        }
        Promise<PairingCode> done = Promise.promise();
        context.runOnContext(ignored -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.AWAITING_SCAN
                    || shownQr == null) {
                done.fail(new IllegalStateException("not waiting for a phone to link this device"));
                return;
            }
            // PBKDF2 with 131,072 rounds: off the event loop.
            vertx.<LinkCode.Hello>executeBlocking(() -> LinkCode.Hello.of(LinkCode.fresh())).onComplete(made -> {
                if (made.failed() || current != connection || current.state() != Connection.State.AWAITING_SCAN) {
                    done.fail(made.failed() ? made.cause() : new IllegalStateException("the linking ended meanwhile"));
                    return;
                }
                LinkCode.Hello hello = made.result();
                Node request = Stanza.iq(current.nextIqId(), "set", "md", Node.withChildren("link_code_companion_reg",
                        Stanza.attrs("jid", phone + Stanza.SERVER, "stage", "companion_hello",
                                "should_show_push_notification", "true"), List.of(
                                Node.withBytes("link_code_pairing_wrapped_companion_ephemeral_pub", Stanza.attrs(), hello.wrapped()),
                                Node.withBytes("companion_server_auth_key_pub", Stanza.attrs(), credentials.noiseKey().publicKey()),
                                Node.withBytes("companion_platform_id", Stanza.attrs(), utf8(qrPlatformId())),
                                Node.withBytes("companion_platform_display", Stanza.attrs(),
                                        utf8(options.platformType().name().charAt(0)
                                                + options.platformType().name().substring(1).toLowerCase() + " (" + options.browserOs() + ")")),
                                Node.withBytes("link_code_pairing_nonce", Stanza.attrs(), new byte[] {0}))));
                current.query(request).onComplete(answer -> {
                    if (answer.failed()) {
                        done.fail(answer.cause());
                        return;
                    }
                    if (current != connection) {
                        done.fail(new IllegalStateException("the linking ended meanwhile"));
                        return;
                    }
                    linkCode = hello.code();
                    linkPhone = phone;
                    done.complete(new PairingCode(linkCode.display(), pairingEndsAt));
                });
            });
        });
        return done.future();
    }

    /** WhatsApp accepted a message we sent: its id and the server's time. */
    public record Sent(String id, Instant at) {
    }

    /**
     * Sends a text to {@code phone} (digits) and to our own other devices: device lists, pre-key
     * bundles for devices without a session, one Signal message per device, the advanced
     * sessions stored before anything goes out, then the server's ack. Fails when not connected,
     * when WhatsApp refuses it (an ack with an error) or when no ack comes in time.
     */
    public Future<Sent> sendText(String phone, String text) {
        String id = credentials.account().map(account -> Outbound.messageId(account.phone())).orElse(Outbound.messageId(""));
        return sendText(phone, text, id);
    }

    /** A message id as WhatsApp Web makes them, for a text sent later with {@link #sendText(String, String, String)}. */
    public static String newMessageId() {
        return Outbound.messageId(java.util.UUID.randomUUID().toString());
    }

    /**
     * As {@link #sendText(String, String)}, under the message id {@code id} chosen by the caller: a
     * text sent again under the same id (after a crash left it unknown whether it went out) is
     * kept once by its recipients. Fails with {@link SendRefused} when it can never be delivered.
     */
    public Future<Sent> sendText(String phone, String text, String id) {
        if (phone == null || !phone.matches("[1-9][0-9]{6,14}") || text == null || text.isEmpty()
                || id == null || !id.matches("[0-9A-Za-z]{8,64}")) {
            return Future.failedFuture(new IllegalArgumentException(
                    "a phone (7 to 15 digits), a non-empty text and a message id (8 to 64 letters or digits) are required"));
        }
        return onContextFuture(() -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            Credentials.Account account = credentials.account().orElseThrow();
            String to = phone + Stanza.SERVER;
            String ownUser = account.phone() + Stanza.SERVER;
            retries.sent(id, new SentText(phone, text, clock.instant()));
            return current.query(Outbound.deviceQuery(current.nextIqId(), List.of(to, ownUser)))
                    .map(answer -> {
                        learnLids(Outbound.lids(answer));
                        return Outbound.devices(answer, account.deviceJid());
                    })
                    .compose(devices -> sessionsFor(devices)
                            .compose(records -> onContextFuture(() -> bundlesFor(current, records)))
                            // Sessions are read again, advanced and stored in the Signal lane; the network waits outside it.
                            .compose(bundles -> onContextFuture(() -> serialized(() -> sessionsFor(devices)
                                    .compose(records -> onContextFuture(() -> encrypt(current, account, id, to, phone, text,
                                            withBundles(records, bundles))))))))
                    .compose(message -> onContextFuture(() -> {
                        if (current != connection || current.state() != Connection.State.CONNECTED) {
                            return Future.failedFuture(new IllegalStateException("the connection ended while sending"));
                        }
                        return current.query(message);
                    }))
                    .compose(ack -> acknowledged(id, ack));
        });
    }

    /**
     * Tells the sender that the texts {@code ids} received in the chat with {@code phone} were read:
     * one {@code <receipt type="read">} naming them all (the first as the id, the rest in a list).
     */
    public Future<Void> markRead(String phone, List<String> ids) {
        if (phone == null || !phone.matches("[1-9][0-9]{6,14}") || ids == null || ids.isEmpty() || ids.size() > 256
                || ids.stream().anyMatch(id -> id == null || !id.matches("[0-9A-Za-z]{1,64}"))) {
            return Future.failedFuture(new IllegalArgumentException("a phone (7 to 15 digits) and 1 to 256 message ids are required"));
        }
        return onContextFuture(() -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            Map<String, String> attrs = Stanza.attrs("id", ids.get(0), "to", phone + Stanza.SERVER, "type", "read",
                    "t", String.valueOf(clock.instant().getEpochSecond()));
            List<Node> items = new ArrayList<>();
            for (String id : ids.subList(1, ids.size())) {
                items.add(Node.of("item", Stanza.attrs("id", id)));
            }
            current.send(items.isEmpty() ? Node.of("receipt", attrs)
                    : Node.withChildren("receipt", attrs, List.of(Node.withChildren("list", Stanza.attrs(), items))));
            return Future.succeededFuture();
        });
    }

    /** The stored record of each device, in order. */
    private Future<Map<String, StoredSessionRecord>> sessionsFor(List<String> deviceJids) {
        Map<String, StoredSessionRecord> records = new LinkedHashMap<>();
        Future<Void> chain = Future.succeededFuture();
        for (String jid : deviceJids) {
            String address = Inbound.signalAddress(jid);
            if (address == null) {
                continue;
            }
            chain = chain.compose(ignored -> signal.session(address).map(record -> {
                records.put(jid, record);
                return null;
            }));
        }
        return chain.map(ignored -> records);
    }

    /** Pre-key bundles for the devices without an open session. */
    private Future<Map<String, PreKeyBundle>> bundlesFor(Connection current, Map<String, StoredSessionRecord> records) {
        List<String> missing = new ArrayList<>();
        records.forEach((jid, record) -> {
            if (!SessionCipher.hasOpenSession(record)) {
                missing.add(jid);
            }
        });
        if (missing.isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        return current.query(Outbound.bundleQuery(current.nextIqId(), missing)).map(Outbound::bundles);
    }

    /**
     * Sessions started from the bundles for devices that still have none; a device without a usable
     * bundle (none, or one whose signed pre-key does not verify) gets nothing, as Baileys would.
     */
    private Map<String, StoredSessionRecord> withBundles(Map<String, StoredSessionRecord> records,
            Map<String, PreKeyBundle> bundles) {
        SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(), credentials.registrationId()));
        Map<String, StoredSessionRecord> ready = new LinkedHashMap<>();
        records.forEach((jid, record) -> {
            if (SessionCipher.hasOpenSession(record)) {
                ready.put(jid, record);
                return;
            }
            PreKeyBundle bundle = bundles.get(jid);
            if (bundle != null) {
                try {
                    ready.put(jid, cipher.initiate(record, bundle));
                } catch (SignalException e) {
                    // left out
                }
            }
        });
        return ready;
    }

    /** Encrypts for every device, stores the advanced sessions, answers the message to send. */
    private Future<Node> encrypt(Connection current, Credentials.Account account, String id, String to, String phone,
            String text, Map<String, StoredSessionRecord> records) {
        if (current != connection || current.state() != Connection.State.CONNECTED) {
            return Future.failedFuture(new IllegalStateException("the connection ended while sending"));
        }
        SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(), credentials.registrationId()));
        Map<String, StoredSessionRecord> updated = new LinkedHashMap<>();
        List<Node> participants = new ArrayList<>();
        boolean preKeyMessage = false;
        for (Map.Entry<String, StoredSessionRecord> device : records.entrySet()) {
            boolean own = device.getKey().startsWith(account.phone() + ":") || device.getKey().startsWith(account.phone() + "@");
            byte[] plaintext = own ? Plaintext.textCopy(text, to) : Plaintext.text(text);
            SessionCipher.Encrypted encrypted;
            try {
                encrypted = cipher.encrypt(device.getValue(), plaintext);
            } catch (SignalException e) {
                return Future.failedFuture(e);
            }
            preKeyMessage |= "pkmsg".equals(encrypted.type());
            updated.put(Inbound.signalAddress(device.getKey()), encrypted.record());
            participants.add(Node.withChildren("to", Stanza.attrs("jid", device.getKey()), List.of(
                    Node.withBytes("enc", Stanza.attrs("v", "2", "type", encrypted.type()), encrypted.ciphertext()))));
        }
        if (participants.stream().noneMatch(p -> p.attribute("jid").orElse("").startsWith(phone))) {
            return Future.failedFuture(new SendRefused("not-on-whatsapp", phone + " has no WhatsApp device to deliver to"));
        }
        List<Node> children = new ArrayList<>();
        children.add(Node.withChildren("participants", Stanza.attrs(), participants));
        if (preKeyMessage) {
            children.add(Node.withBytes("device-identity", Stanza.attrs(), account.signedDeviceIdentity()));
        }
        Node message = Node.withChildren("message", Stanza.attrs("id", id, "to", to, "type", "text"), children);
        return signal.sent(updated).map(ignored -> message);
    }

    private Future<Sent> acknowledged(String id, Node ack) {
        if (ack.attribute("error").isPresent()) {
            return Future.failedFuture(new SendRefused("rejected", "WhatsApp refused the message: error " + ack.attribute("error").get()));
        }
        String t = ack.attribute("t").filter(value -> value.matches("[0-9]{1,12}")).orElse(null);
        return Future.succeededFuture(new Sent(id, t == null ? clock.instant() : Instant.ofEpochSecond(Long.parseLong(t))));
    }

    private <T> Future<T> onContextFuture(java.util.function.Supplier<Future<T>> action) {
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

    private void connect() {
        connection = new Connection(vertx, options, credentials, this, clock);
        connection.open();
    }

    private void stop(DisconnectReason reason, String detail) {
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

    // ---- Connection.Listener (called on our context) ---------------------------------------------

    @Override
    public void onPairDevice(Connection from, Node iq) {
        List<String> refs = new ArrayList<>();
        iq.child("pair-device").ifPresent(pairDevice -> pairDevice.children().forEach(ref ->
                ref.bytes().ifPresent(bytes -> refs.add(new String(bytes, StandardCharsets.UTF_8)))));
        if (refs.isEmpty()) {
            from.fail(DisconnectReason.PROTOCOL_ERROR, "pair-device without refs");
            return;
        }
        pairingEndsAt = clock.instant().plus(options.firstQrLifetime())
                .plus(options.laterQrLifetime().multipliedBy(refs.size() - 1L));
        showQr(from, refs, 0);
    }

    private void showQr(Connection from, List<String> refs, int index) {
        if (from != connection || from.state() != Connection.State.AWAITING_SCAN) {
            return;
        }
        if (index >= refs.size()) {
            from.fail(DisconnectReason.QR_REFS_EXHAUSTED, "all " + refs.size() + " QR codes expired unscanned");
            return;
        }
        long lifetime = (index == 0 ? options.firstQrLifetime() : options.laterQrLifetime()).toMillis();
        Instant expiresAt = clock.instant().plusMillis(lifetime);
        shownRef = refs.get(index);
        shownQr = new ClientEvent.QrCode(qrText(shownRef), expiresAt, index, refs.size());
        events.handle(shownQr);
        qrTimers.add(vertx.setTimer(lifetime, t -> showQr(from, refs, index + 1)));
    }

    String qrText(String ref) {
        Base64.Encoder b64 = Base64.getEncoder();
        return QR_LINK_PREFIX + ref + "," + b64.encodeToString(credentials.noiseKey().publicKey()) + ","
                + b64.encodeToString(credentials.identityKey().publicKey()) + ","
                + b64.encodeToString(credentials.advSecret()) + "," + qrPlatformId();
    }

    /**
     * The companion platform in the QR's fifth field and in a link-code request, agreeing with the
     * DeviceProps platform announced at registration (WhatsApp's PairClient ids).
     */
    String qrPlatformId() {
        switch (options.platformType()) {
            case CHROME: return "1";
            case EDGE: return "2";
            case FIREFOX: return "3";
            case IE: return "4";
            case OPERA: return "5";
            case SAFARI: return "6";
            case DESKTOP: return "7";
            case UWP: return "8";
            default: return "9";
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void onMessage(Connection from, Node message) {
        serialized(() -> receive(from, message));
    }

    /** Runs {@code work} after every Signal task queued before it (call on the client's context). */
    private <T> Future<T> serialized(java.util.function.Supplier<Future<T>> work) {
        Promise<T> result = Promise.promise();
        signalWork = signalWork.transform(ignored -> {
            // The previous task may have finished on a database thread: start this one on ours.
            Future<T> running = onContextFuture(work);
            running.onComplete(result);
            return running.transform(done -> Future.<Void>succeededFuture());
        });
        return result.future();
    }

    /**
     * Decrypts one message, stores the session update with it, then sends the delivery receipt and
     * the ack. A message stored before (a redelivery) is receipted and acknowledged again, never
     * stored twice. One that does not decrypt is answered with a retry receipt (up to
     * {@link Retries#MAX}), then acknowledged; one that cannot be stored is not acknowledged, so
     * WhatsApp delivers it again at the next login.
     */
    private Future<Void> receive(Connection from, Node message) {
        if (from != connection) {
            return Future.succeededFuture();
        }
        return senderOf(message).compose(sender -> onContextFuture(() -> receive(from, message, sender)));
    }

    /**
     * The sending device as a phone-number jid: {@code from}, or for a LID-addressed message the
     * phone of {@code sender_pn} (remembered) or of the LID as learned before; null when unknown.
     */
    private Future<String> senderOf(Node message) {
        String from = message.attribute("from").orElse("");
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
    private void learnLids(Map<String, String> lids) {
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

    private Future<Void> receive(Connection from, Node message, String sender) {
        if (from != connection) {
            return Future.succeededFuture();
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
                    + " (group messages come later)")));
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
                    if (decrypted.text() == null) {
                        // Not a text (a protocol message, a kind we do not read yet): the session still moves on.
                        return signal.sent(Map.of(address, decrypted.record())).map(ignored -> decrypted);
                    }
                    InboundMessage received = new InboundMessage(id, sender, message.attribute("recipient")
                            .orElse(Inbound.userJid(sender)), decrypted.text(), message.attribute("t")
                            .filter(t -> t.matches("[0-9]{1,12}")).map(t -> Instant.ofEpochSecond(Long.parseLong(t))).orElse(null));
                    return signal.received(address, decrypted.record(), received).map(ignored -> decrypted);
                }));
        return stored.transform(done -> onContextFuture(() -> afterReceive(from, message, sender, done)));
    }

    private Future<Void> afterReceive(Connection from, Node message, String sender,
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
    private Future<Void> askAgain(Connection from, Node message, int count) {
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
    private Future<Void> prunePreKey(int id) {
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
            resend(from, receipt);
            return;
        }
        List<String> ids = new ArrayList<>();
        receipt.attribute("id").ifPresent(ids::add);
        receipt.child("list").ifPresent(list -> list.children().forEach(item -> item.attribute("id").ifPresent(ids::add)));
        String device = receipt.attribute("participant").orElse(receipt.attribute("from").orElse(""));
        ids.forEach(id -> retries.delivered(id, device));
        Instant at = receipt.attribute("t").filter(t -> t.matches("[0-9]{1,12}"))
                .map(t -> Instant.ofEpochSecond(Long.parseLong(t))).orElse(clock.instant());
        ClientEvent.Receipt received = new ClientEvent.Receipt(ids, device, type.isEmpty() ? "delivery" : type, at);
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
    private void resend(Connection from, Node receipt) {
        String id = receipt.attribute("id").orElse("");
        String device = receipt.attribute("participant").orElse(receipt.attribute("from").orElse(""));
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
                resendLater(from, receipt, id, device, address, sent);
            }
        }));
    }

    private void resendLater(Connection from, Node receipt, String id, String device, String address, SentText sent) {
        int count = Retries.countOf(receipt);
        // A device may ask while it is still decrypting the message another way (Baileys 7 retries decryption
        // itself, then confirms delivery): give its delivery receipt a moment to overtake the resend.
        vertx.setTimer(RESEND_DELAY_MILLIS, t -> context.runOnContext(ignored -> {
            if (from == connection && !retries.wasDelivered(id, device) && retries.mayResend(id, device)) {
                resendNow(from, receipt, id, device, address, sent, count);
            }
        }));
    }

    private void resendNow(Connection from, Node receipt, String id, String device, String address, SentText sent,
            int count) {
        events.handle(new ClientEvent.Retry(id, device, count, false));
        PreKeyBundle offered = Retries.bundleOf(receipt);
        Future<PreKeyBundle> bundle = offered != null ? Future.succeededFuture(offered)
                : signal.session(address).compose(record -> count < 2 && SessionCipher.hasOpenSession(record)
                        ? Future.succeededFuture(null)
                        : onContextFuture(() -> from.query(Outbound.bundleQuery(from.nextIqId(), List.of(device))))
                                .map(answer -> Outbound.bundles(answer).get(device)));
        bundle.compose(keys -> serialized(() -> signal.session(address).compose(record -> onContextFuture(() ->
                        encryptAgain(from, id, device, address, sent, count, record, keys)))))
                .compose(message -> onContextFuture(() -> from.query(message)))
                .onFailure(error -> events.handle(new ClientEvent.Undecryptable(id, device, "could not send it again: "
                        + error.getMessage())));
    }

    private Future<Node> encryptAgain(Connection from, String id, String device, String address, SentText sent,
            int count, StoredSessionRecord record, PreKeyBundle bundle) {
        if (from != connection || from.state() != Connection.State.CONNECTED) {
            return Future.failedFuture(new IllegalStateException("the connection ended"));
        }
        Credentials.Account account = credentials.account().orElseThrow();
        SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(), credentials.registrationId()));
        boolean own = device.startsWith(account.phone() + ":") || device.startsWith(account.phone() + "@");
        String chat = sent.phone() + Stanza.SERVER;
        SessionCipher.Encrypted encrypted;
        try {
            StoredSessionRecord fresh = bundle == null ? record : cipher.initiate(record, bundle);
            encrypted = cipher.encrypt(fresh, own ? Plaintext.textCopy(sent.text(), chat) : Plaintext.text(sent.text()));
        } catch (SignalException e) {
            return Future.failedFuture(e);
        }
        Map<String, String> attrs = Stanza.attrs("id", id, "to", device, "type", "text", "device_fanout", "false");
        if (own) {
            attrs.put("recipient", chat);
        }
        List<Node> children = new ArrayList<>(List.of(Node.withBytes("enc", Stanza.attrs("v", "2", "type", encrypted.type(),
                "count", String.valueOf(count)), encrypted.ciphertext())));
        if ("pkmsg".equals(encrypted.type())) {
            children.add(Node.withBytes("device-identity", Stanza.attrs(), account.signedDeviceIdentity()));
        }
        Node message = Node.withChildren("message", attrs, children);
        return signal.sent(Map.of(address, encrypted.record())).map(ignored -> message);
    }

    @Override
    public void onPreKeysLow(Connection from, int count) {
        if (from == connection && count < PreKeyUpload.MINIMUM) {
            uploadPreKeys(from);
        }
    }

    @Override
    public void onCompanionRefresh(Connection from) {
        if (from != connection || shownQr == null) {
            return;
        }
        // A new advertising secret: a QR drawn before no longer links; the same ref, redrawn, does.
        credentials = credentials.withAdvSecret(Credentials.newAdvSecret());
        shownQr = new ClientEvent.QrCode(qrText(shownRef), shownQr.expiresAt(), shownQr.index(), shownQr.total());
        events.handle(shownQr);
    }

    @Override
    public void onLinkCodeFromPhone(Connection from, Node notification) {
        LinkCode code = linkCode;
        Node reg = notification.child("link_code_companion_reg").orElse(null);
        if (from != connection || code == null || reg == null) {
            return;
        }
        byte[] ref = reg.child("link_code_pairing_ref").flatMap(Node::bytes).orElse(null);
        byte[] primaryIdentity = reg.child("primary_identity_pub").flatMap(Node::bytes).orElse(null);
        byte[] wrapped = reg.child("link_code_pairing_wrapped_primary_ephemeral_pub").flatMap(Node::bytes).orElse(null);
        if (ref == null || primaryIdentity == null || wrapped == null) {
            from.fail(DisconnectReason.PROTOCOL_ERROR, "link-code notification without ref, identity or wrapped key");
            return;
        }
        io.switchboard.protocol.crypto.KeyPair identity = credentials.identityKey();
        vertx.<LinkCode.Finish>executeBlocking(() -> code.finish(wrapped, primaryIdentity, identity)).onComplete(done -> {
            if (from != connection || from.state() != Connection.State.AWAITING_SCAN) {
                return;
            }
            if (done.failed()) {
                from.fail(DisconnectReason.PROTOCOL_ERROR, "link-code notification unusable: " + done.cause().getMessage());
                return;
            }
            // The phone signs pair-success with the secret both sides now derive; the QR's is void.
            credentials = credentials.withAdvSecret(done.result().advSecret());
            Node finish = Stanza.iq(from.nextIqId(), "set", "md", Node.withChildren("link_code_companion_reg",
                    Stanza.attrs("jid", linkPhone + Stanza.SERVER, "stage", "companion_finish"), List.of(
                            Node.withBytes("link_code_pairing_wrapped_key_bundle", Stanza.attrs(), done.result().wrappedKeyBundle()),
                            Node.withBytes("companion_identity_public", Stanza.attrs(), identity.publicKey()),
                            Node.withBytes("link_code_pairing_ref", Stanza.attrs(), ref))));
            from.query(finish).onFailure(error -> { });
        });
    }

    @Override
    public void onPairSuccess(Connection from, Node iq) {
        cancelQrTimers();
        PairingVerifier.Verified verified;
        try {
            verified = PairingVerifier.verify(iq, credentials);
        } catch (PairingVerifier.Rejected rejected) {
            from.send(Stanza.error(iq, rejected.errorCode, rejected.errorText));
            from.fail(DisconnectReason.PAIRING_REJECTED, rejected.getMessage());
            return;
        }
        // Stored before the phone hears back: a crash now cannot lose a linked device.
        store.save(verified.credentials()).onComplete(saved -> context.runOnContext(ignored -> {
            if (saved.failed()) {
                from.fail(DisconnectReason.PAIRING_REJECTED, "credentials could not be stored: " + saved.cause().getMessage());
                return;
            }
            credentials = verified.credentials();
            from.send(verified.reply());
            events.handle(new ClientEvent.Paired(credentials));
        }));
    }

    @Override
    public void onConnected(Connection from, String lid) {
        restarts = 0;
        events.handle(new ClientEvent.Connected(credentials.account().map(Credentials.Account::deviceJid).orElse(null), lid));
        maintainPreKeys(from);
        rotateSignedPreKeyIfOld(from);
    }

    /**
     * Replaces a signed pre-key older than {@link PreKeyUpload#SIGNED_PRE_KEY_LIFETIME}: the new one
     * is stored (the old one kept as the previous) before the server hears of it; if the server
     * refuses the rotation, a full upload carries the new key instead.
     */
    private void rotateSignedPreKeyIfOld(Connection from) {
        Instant now = clock.instant();
        if (Instant.ofEpochSecond(credentials.signedPreKey().createdAt()).plus(PreKeyUpload.SIGNED_PRE_KEY_LIFETIME).isAfter(now)) {
            return;
        }
        serialized(() -> {
            Credentials updated = credentials.withRotatedSignedPreKey(now);
            return store.save(updated).transform(saved -> onContextFuture(() -> {
                if (saved.failed() || from != connection) {
                    return Future.<Void>succeededFuture();
                }
                credentials = updated;
                from.query(PreKeyUpload.rotate(from.nextIqId(), updated.signedPreKey())).onSuccess(answer -> {
                    if (answer.attribute("type").filter("error"::equals).isPresent() && from == connection) {
                        uploadPreKeys(from);
                    }
                });
                return Future.<Void>succeededFuture();
            }));
        });
    }

    /**
     * Tops up one-time pre-keys when the server runs low. New keys are stored before they are
     * uploaded, so the server never holds a key whose private half we could lose.
     */
    private void maintainPreKeys(Connection from) {
        from.query(PreKeyUpload.countQuery(from.nextIqId())).onSuccess(answer -> {
            if (from == connection && PreKeyUpload.countOf(answer) < PreKeyUpload.MINIMUM) {
                uploadPreKeys(from);
            }
        });
    }

    /** A batch of new one-time pre-keys, stored, then uploaded; in the Signal lane, which also hands keys out. */
    private void uploadPreKeys(Connection from) {
        serialized(() -> {
            Credentials updated = credentials.withNewPreKeys(PreKeyUpload.BATCH);
            List<Credentials.PreKey> fresh = updated.preKeys().subList(updated.preKeys().size() - PreKeyUpload.BATCH,
                    updated.preKeys().size());
            return store.save(updated).transform(saved -> onContextFuture(() -> {
                if (saved.succeeded() && from == connection) {
                    credentials = updated;
                    from.query(PreKeyUpload.upload(from.nextIqId(), updated, fresh));
                }
                return Future.<Void>succeededFuture();
            }));
        });
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

    private void cancelQrTimers() {
        qrTimers.forEach(vertx::cancelTimer);
        qrTimers.clear();
    }

    private <T> Future<T> onContext(java.util.concurrent.Callable<T> action) {
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
