package io.switchboard.protocol.client;

import io.switchboard.protocol.proto.Message;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Instant;
import io.switchboard.protocol.message.Plaintext;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.switchboard.protocol.signal.LocalIdentity;
import io.switchboard.protocol.signal.SessionCipher;
import io.switchboard.protocol.signal.SignalException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * A WhatsApp multi-device client for one account: registers with fresh credentials (QR pairing)
 * or logs in with stored ones, restarts by itself when the server asks (515), keeps the
 * connection alive, and reports everything as {@link ClientEvent}s. Non-blocking; all state
 * lives on the client's own Vert.x context. It never reconnects after a real disconnect: that
 * policy belongs to the caller. Its parts, as whatsmeow keeps them in files: {@link ClientCore}
 * (state, start, stop), {@link ClientLinking} (pairing, link codes, login, pre-keys),
 * {@link ClientReceiving} (messages, receipts, retries) and, here, sending.
 */
public final class WhatsAppClient extends ClientGroups {

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
        super(vertx, options, credentials, store, signal, events, clock);
    }

    /** Asked on this client's context only. */
    private io.switchboard.protocol.media.MediaConn mediaConn;

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
        if (text == null || text.isEmpty()) {
            return Future.failedFuture(new IllegalArgumentException("a non-empty text is required"));
        }
        return sendMessage(phone, Message.newBuilder().setConversation(text).build(), id);
    }

    /**
     * Sends any message (a text, or media already uploaded: {@link #upload}) as {@link #sendText}
     * does, under the caller's message id.
     */
    public Future<Sent> sendMessage(String phone, Message content, String id) {
        if (phone == null || !phone.matches("[1-9][0-9]{6,14}") || content == null
                || id == null || !id.matches("[0-9A-Za-z]{8,64}")) {
            return Future.failedFuture(new IllegalArgumentException(
                    "a phone (7 to 15 digits), a message and a message id (8 to 64 letters or digits) are required"));
        }
        return onContextFuture(() -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            Credentials.Account account = credentials.account().orElseThrow();
            String to = phone + Stanza.SERVER;
            String ownUser = account.phone() + Stanza.SERVER;
            retries.sent(id, new SentText(phone, content, clock.instant()));
            return devicesOf(current, account, List.of(to, ownUser))
                    .compose(devices -> sessionsFor(devices)
                            .compose(records -> onContextFuture(() -> bundlesFor(current, records)))
                            // Sessions are read again, advanced and stored in the Signal lane; the network waits outside it.
                            .compose(bundles -> onContextFuture(() -> serialized(() -> sessionsFor(devices)
                                    .compose(records -> onContextFuture(() -> encrypt(current, account, id, to, phone, content,
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
     * The media hosts and upload token ({@code <media_conn/>}), asked once per its {@code ttl};
     * {@code refresh} asks again (after an upload every host refused).
     */
    public Future<io.switchboard.protocol.media.MediaConn> mediaConn(boolean refresh) {
        return onContextFuture(() -> {
            io.switchboard.protocol.media.MediaConn known = mediaConn;
            if (!refresh && known != null && known.fresh(clock.instant())) {
                return Future.succeededFuture(known);
            }
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            return current.query(Stanza.iq(current.nextIqId(), "set", "w:m", Node.of("media_conn")))
                    .compose(answer -> onContextFuture(() -> {
                        var parsed = io.switchboard.protocol.media.MediaConn.parse(answer, clock.instant());
                        if (parsed.isEmpty()) {
                            return Future.failedFuture(new IllegalStateException("WhatsApp answered media_conn without an auth"
                                    + " token, a ttl or a host"));
                        }
                        mediaConn = parsed.get();
                        return Future.succeededFuture(parsed.get());
                    }));
        });
    }

    /**
     * Whether {@code phone} (digits, as given) is on WhatsApp, and as which number: WhatsApp's own
     * {@code jid} (its canonical number, which may differ from the input) and the LID.
     */
    public record ContactCheck(String input, boolean exists, String jid, String lid) {
    }

    /**
     * Asks WhatsApp which of {@code phones} (digits, 1 to 50) are on WhatsApp: one usync query with
     * the {@code contact} and {@code lid} protocols, each number as {@code +digits}. Answers one
     * check per input, in order; an input WhatsApp did not mention is "not on WhatsApp".
     */
    public Future<List<ContactCheck>> checkContacts(List<String> phones) {
        if (phones == null || phones.isEmpty() || phones.size() > 50 || phones.stream().anyMatch(p -> p == null
                || !p.matches("[0-9]{5,20}"))) {
            return Future.failedFuture(new IllegalArgumentException("1 to 50 numbers of 5 to 20 digits are required"));
        }
        return onContextFuture(() -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            String id = current.nextIqId();
            List<Node> users = new ArrayList<>();
            for (String phone : phones) {
                users.add(Node.withChildren("user", Stanza.attrs(), List.of(Node.withBytes("contact", Stanza.attrs(),
                        ("+" + phone).getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
            }
            Node usync = Node.withChildren("usync", Stanza.attrs("sid", id, "context", "interactive", "mode", "query",
                    "last", "true", "index", "0"), List.of(
                    Node.withChildren("query", Stanza.attrs(), List.of(Node.of("contact"), Node.of("lid"))),
                    Node.withChildren("list", Stanza.attrs(), users)));
            return current.query(Stanza.iq(id, "get", "usync", usync)).map(answer -> {
                Map<String, ContactCheck> byInput = new LinkedHashMap<>();
                Node list = answer.child("usync").flatMap(u -> u.child("list")).orElse(null);
                for (Node user : list == null ? List.<Node>of() : list.children()) {
                    Node contact = user.child("contact").orElse(null);
                    if (contact == null) {
                        continue;
                    }
                    String asked = contact.text().orElse("").replaceAll("[^0-9]", "");
                    boolean in = "in".equals(contact.attribute("type").orElse(""));
                    String jid = user.attribute("jid").orElse(null);
                    String lid = user.child("lid").flatMap(l -> l.attribute("val")).orElse(null);
                    byInput.put(asked, new ContactCheck(asked, in && jid != null, in ? jid : null, in ? lid : null));
                }
                List<ContactCheck> checks = new ArrayList<>();
                Map<String, String> lids = new LinkedHashMap<>();
                for (String phone : phones) {
                    ContactCheck check = byInput.getOrDefault(phone, new ContactCheck(phone, false, null, null));
                    checks.add(check);
                    if (check.exists() && check.lid() != null && check.jid().endsWith(Stanza.SERVER)) {
                        lids.put(check.lid().substring(0, check.lid().indexOf('@')).split(":")[0],
                                check.jid().substring(0, check.jid().indexOf('@')));
                    }
                }
                if (!lids.isEmpty()) {
                    learnLids(lids);
                }
                return checks;
            });
        });
    }

    /** Presence states a device announces: globally ({@code available}, {@code unavailable}) or in a chat. */
    public static final List<String> CHAT_STATES = List.of("composing", "recording", "paused");

    /**
     * Announces our presence: {@code available}/{@code unavailable} to everyone (no {@code phone}),
     * or in the chat with {@code phone} {@code composing}, {@code recording} (a voice note) or {@code paused}.
     */
    public Future<Void> sendPresence(String state, String phone) {
        boolean global = "available".equals(state) || "unavailable".equals(state);
        if (global == (phone != null) || (!global && !CHAT_STATES.contains(state))
                || (phone != null && !phone.matches("[1-9][0-9]{6,14}"))) {
            return Future.failedFuture(new IllegalArgumentException("available or unavailable alone, or composing, recording or"
                    + " paused with a phone (7 to 15 digits)"));
        }
        return onContextFuture(() -> {
            Connection current = connection;
            if (this.state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            if (global) {
                current.send(Node.of("presence", Stanza.attrs("type", state)));
            } else {
                Node inner = "recording".equals(state) ? Node.of("composing", Stanza.attrs("media", "audio"))
                        : Node.of(state);
                current.send(Node.withChildren("chatstate", Stanza.attrs("from", credentials.account().orElseThrow().deviceJid(),
                        "to", phone + Stanza.SERVER), List.of(inner)));
            }
            return Future.succeededFuture();
        });
    }

    /** Asks WhatsApp for {@code phone}'s presence (online, last seen as shared) from now on. */
    public Future<Void> subscribePresence(String phone) {
        if (phone == null || !phone.matches("[1-9][0-9]{6,14}")) {
            return Future.failedFuture(new IllegalArgumentException("a phone (7 to 15 digits) is required"));
        }
        return onContextFuture(() -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            current.send(Node.of("presence", Stanza.attrs("type", "subscribe", "to", phone + Stanza.SERVER)));
            return Future.succeededFuture();
        });
    }

    @Override
    public void onPresence(Connection from, Node node) {
        if (from != connection) {
            return;
        }
        String jid = node.attribute("from").orElse("");
        if (jid.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        if ("presence".equals(node.tag())) {
            String type = node.attribute("type").orElse("available");
            if (!"available".equals(type) && !"unavailable".equals(type)) {
                return;
            }
            Instant last = node.attribute("last").filter(t -> t.matches("[0-9]{1,12}")).map(t -> Instant.ofEpochSecond(Long.parseLong(t)))
                    .orElse(null);
            events.handle(new ClientEvent.Presence(Inbound.userJid(jid), type, last, now));
            return;
        }
        Node inner = node.children().isEmpty() ? null : node.children().get(0);
        if (inner == null || !List.of("composing", "paused").contains(inner.tag())) {
            return;
        }
        String state = "composing".equals(inner.tag()) && "audio".equals(inner.attribute("media").orElse("")) ? "recording" : inner.tag();
        events.handle(new ClientEvent.Presence(Inbound.userJid(node.attribute("participant").orElse(jid)), state, null, now));
    }

    /** Media retries waiting for the phone's answer, by message id (on this client's context only). */
    private final Map<String, PendingRetry> mediaRetries = new java.util.HashMap<>();

    private record PendingRetry(byte[] mediaKey, io.vertx.core.Promise<io.switchboard.protocol.media.MediaRetry.Answer> answer,
            long timer) {
    }

    /**
     * Asks our phone to upload the file of message {@code messageId} again (its media host answered
     * 403, 404 or 410): a {@code <receipt type="server-error">} to our own account, then the
     * phone's {@code mediaretry} notification, read with {@code mediaKey}. {@code chatJid} is the
     * chat the message is in, {@code fromMe} whether we sent it, {@code participant} its sender in
     * a group (else null). Fails with a {@link java.util.concurrent.TimeoutException} when no answer
     * comes within {@code wait}, and when not connected.
     */
    public Future<io.switchboard.protocol.media.MediaRetry.Answer> requestMediaRetry(String messageId, String chatJid,
            boolean fromMe, String participant, byte[] mediaKey, java.time.Duration wait) {
        if (messageId == null || !messageId.matches("[0-9A-Za-z]{1,64}") || chatJid == null || !chatJid.contains("@")
                || mediaKey == null || mediaKey.length != io.switchboard.protocol.media.MediaKeys.MEDIA_KEY_LENGTH) {
            return Future.failedFuture(new IllegalArgumentException("a message id, a chat jid and a 32-byte media key are required"));
        }
        return onContextFuture(() -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            PendingRetry earlier = mediaRetries.remove(messageId);
            if (earlier != null) {
                vertx.cancelTimer(earlier.timer());
                earlier.answer().tryFail(new IllegalStateException("asked again"));
            }
            io.vertx.core.Promise<io.switchboard.protocol.media.MediaRetry.Answer> answer = io.vertx.core.Promise.promise();
            long timer = vertx.setTimer(Math.max(1, wait.toMillis()), fired -> {
                PendingRetry pending = mediaRetries.get(messageId);
                if (pending != null && pending.answer() == answer) {
                    mediaRetries.remove(messageId);
                }
                answer.tryFail(new java.util.concurrent.TimeoutException("the phone did not answer the media retry within " + wait));
            });
            mediaRetries.put(messageId, new PendingRetry(mediaKey.clone(), answer, timer));
            Credentials.Account account = credentials.account().orElseThrow();
            current.send(io.switchboard.protocol.media.MediaRetry.request(messageId, account.phone() + Stanza.SERVER, chatJid,
                    fromMe, participant, mediaKey));
            return answer.future();
        });
    }

    @Override
    public void onMediaRetry(Connection from, Node notification) {
        String id = notification.attribute("id").orElse("");
        PendingRetry pending = mediaRetries.get(id);
        String sender = notification.attribute("from").orElse("");
        String own = credentials.account().map(account -> account.phone() + Stanza.SERVER).orElse("");
        if (from != connection || pending == null || !(sender.isEmpty() || sender.equals(own))) {
            return;
        }
        mediaRetries.remove(id);
        vertx.cancelTimer(pending.timer());
        try {
            pending.answer().tryComplete(io.switchboard.protocol.media.MediaRetry.read(notification, pending.mediaKey()));
        } catch (io.switchboard.protocol.media.MediaDecryptor.CorruptMediaException e) {
            pending.answer().tryFail(e);
        }
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

    /** Encrypts for every device, stores the advanced sessions, answers the message to send. */
    private Future<Node> encrypt(Connection current, Credentials.Account account, String id, String to, String phone,
            Message content, Map<String, SignalSessionRecord> records) {
        if (current != connection || current.state() != Connection.State.CONNECTED) {
            return Future.failedFuture(new IllegalStateException("the connection ended while sending"));
        }
        SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(), credentials.registrationId()));
        Map<String, SignalSessionRecord> updated = new LinkedHashMap<>();
        List<Node> participants = new ArrayList<>();
        java.util.Optional<String> mediaType = Outbound.mediaType(content);
        boolean preKeyMessage = false;
        for (Map.Entry<String, SignalSessionRecord> device : records.entrySet()) {
            boolean own = device.getKey().startsWith(account.phone() + ":") || device.getKey().startsWith(account.phone() + "@");
            byte[] plaintext = own ? Plaintext.copy(content, to) : Plaintext.message(content);
            SessionCipher.Encrypted encrypted;
            try {
                encrypted = cipher.encrypt(device.getValue(), plaintext);
            } catch (SignalException e) {
                return Future.failedFuture(e);
            }
            preKeyMessage |= "pkmsg".equals(encrypted.type());
            updated.put(Inbound.signalAddress(device.getKey()), encrypted.record());
            Map<String, String> encAttrs = Stanza.attrs("v", "2", "type", encrypted.type());
            mediaType.ifPresent(kind -> encAttrs.put("mediatype", kind));
            if (Outbound.hideIfUndecryptable(content)) {
                encAttrs.put("decrypt-fail", "hide");
            }
            participants.add(Node.withChildren("to", Stanza.attrs("jid", device.getKey()), List.of(
                    Node.withBytes("enc", encAttrs, encrypted.ciphertext()))));
        }
        if (participants.stream().noneMatch(p -> p.attribute("jid").orElse("").startsWith(phone))) {
            return Future.failedFuture(new SendRefused("not-on-whatsapp", phone + " has no WhatsApp device to deliver to"));
        }
        List<Node> children = new ArrayList<>();
        children.add(Node.withChildren("participants", Stanza.attrs(), participants));
        if (preKeyMessage) {
            children.add(Node.withBytes("device-identity", Stanza.attrs(), account.signedDeviceIdentity()));
        }
        Map<String, String> attrs = Stanza.attrs("id", id, "to", to, "type", Outbound.stanzaType(content));
        String edit = Outbound.editAttribute(content);
        if (edit != null) {
            attrs.put("edit", edit);
        }
        Node message = Node.withChildren("message", attrs, children);
        return signal.sent(updated).map(ignored -> message);
    }

}
