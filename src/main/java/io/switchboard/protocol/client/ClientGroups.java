package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.client.GroupStanzas.GroupChange;
import io.switchboard.protocol.client.GroupStanzas.GroupInfo;
import io.switchboard.protocol.message.MessageFormatException;
import io.switchboard.protocol.message.Plaintext;
import io.switchboard.protocol.proto.Message;
import io.switchboard.protocol.proto.SenderKeyRecord;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.switchboard.protocol.signal.LocalIdentity;
import io.switchboard.protocol.signal.PreKeyBundle;
import io.switchboard.protocol.signal.SenderKeys;
import io.switchboard.protocol.signal.SessionCipher;
import io.switchboard.protocol.signal.SignalException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Groups (MEDIA-GROUPS §5): the {@code w:g2} requests, {@code w:gp2} notifications (stored, then
 * acknowledged; our sender key is dropped when someone is removed or leaves, so the next message
 * goes out under a new one), and group messages with sender keys: ours is distributed in a
 * pairwise Signal message to each member device that lacks it, the message itself encrypted once
 * ({@code skmsg}); received ones are opened with the sender's key, which arrives the same way.
 * Sender keys are stored like sessions, at {@code group::address}; ours at {@code group::own}.
 */
abstract class ClientGroups extends ClientReceiving {

    /** How long group metadata read from WhatsApp is used for sending before it is asked again (notifications drop it sooner). */
    static final Duration GROUP_FRESH = Duration.ofMinutes(10);
    private static final String OWN = "own";

    private record Cached(GroupInfo info, Instant at) {
    }

    /** Group metadata by jid (on this client's context only). */
    private final Map<String, Cached> groups = new HashMap<>();

    ClientGroups(Vertx vertx, ClientOptions options, Credentials credentials, CredentialsStore store, SignalStore signal,
            Handler<ClientEvent> events, Clock clock) {
        super(vertx, options, credentials, store, signal, events, clock);
    }

    /** Where the sender key of {@code address} (ours: {@code own}) for {@code groupJid} is stored. */
    static String senderKeyAddress(String groupJid, String address) {
        return groupJid + "::" + address;
    }

    /** A group jid: {@code digits@g.us} or the old {@code creator-time@g.us}. */
    public static boolean isGroupJid(String jid) {
        return jid != null && jid.matches("[0-9]{5,24}(-[0-9]{5,14})?@g\\.us");
    }

    // ---- w:g2 -----------------------------------------------------------------------------------

    private Future<Node> ask(Function<String, Node> request) {
        return onContextFuture(() -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            return current.query(request.apply(current.nextIqId())).map(GroupStanzas::checked);
        });
    }

    private GroupInfo remember(GroupInfo info) {
        groups.put(info.jid(), new Cached(info, clock.instant()));
        return info;
    }

    /** Creates a group with us as its super admin and {@code phones} as members. */
    public Future<GroupInfo> createGroup(String subject, List<String> phones) {
        String key = Outbound.messageId(subject);
        return ask(id -> GroupStanzas.create(id, subject, phones, key)).compose(answer -> onContext(() -> remember(
                GroupStanzas.group(answer.child("group").orElseThrow(() -> new IllegalStateException("no <group> in the answer")),
                        Map.copyOf(knownLids)))));
    }

    /** The group's metadata: remembered (younger than {@link #GROUP_FRESH}) unless {@code refresh}, else asked. */
    public Future<GroupInfo> groupInfo(String groupJid, boolean refresh) {
        return onContextFuture(() -> {
            Cached cached = groups.get(groupJid);
            if (!refresh && cached != null && cached.at().plus(GROUP_FRESH).isAfter(clock.instant())) {
                return Future.succeededFuture(cached.info());
            }
            return ask(id -> GroupStanzas.query(id, groupJid)).compose(answer -> onContext(() -> remember(GroupStanzas.group(
                    answer.child("group").orElseThrow(() -> new IllegalStateException("no <group> in the answer")), Map.copyOf(knownLids)))));
        });
    }

    /** Every group we are in. */
    public Future<List<GroupInfo>> joinedGroups() {
        return ask(GroupStanzas::participating).compose(answer -> onContext(() -> {
            List<GroupInfo> found = new ArrayList<>();
            for (Node group : answer.child("groups").map(Node::children).orElse(List.of())) {
                found.add(remember(GroupStanzas.group(group, Map.copyOf(knownLids))));
            }
            return found;
        }));
    }

    /** add / remove / promote / demote {@code phones}: WhatsApp's code per phone (200 when done). */
    public Future<Map<String, Integer>> changeParticipants(String groupJid, String action, List<String> phones) {
        if (!List.of("add", "remove", "promote", "demote").contains(action)) {
            return Future.failedFuture(new IllegalArgumentException("action: add, remove, promote or demote"));
        }
        return ask(id -> GroupStanzas.participants(id, groupJid, action, phones)).compose(answer -> onContext(() -> {
            groups.remove(groupJid);
            return GroupStanzas.results(answer, action, Map.copyOf(knownLids));
        }));
    }

    public Future<Void> setSubject(String groupJid, String subject) {
        return ask(id -> GroupStanzas.subject(id, groupJid, subject)).compose(ignored -> forget(groupJid));
    }

    /** Sets (or with null or "" removes) the description. */
    public Future<Void> setDescription(String groupJid, String text) {
        String descriptionId = Outbound.messageId(groupJid);
        return ask(id -> GroupStanzas.description(id, groupJid, descriptionId, null, text)).compose(ignored -> forget(groupJid));
    }

    /** {@code announcement}, {@code not_announcement}, {@code locked} or {@code unlocked}. */
    public Future<Void> setSetting(String groupJid, String setting) {
        if (!List.of("announcement", "not_announcement", "locked", "unlocked").contains(setting)) {
            return Future.failedFuture(new IllegalArgumentException("announcement, not_announcement, locked or unlocked"));
        }
        return ask(id -> GroupStanzas.setting(id, groupJid, setting)).compose(ignored -> forget(groupJid));
    }

    /** The invite code ({@code reset}: a new one, the old one stops working). */
    public Future<String> inviteCode(String groupJid, boolean reset) {
        return ask(id -> GroupStanzas.invite(id, groupJid, reset)).map(answer -> answer.child("invite")
                .flatMap(invite -> invite.attribute("code")).orElseThrow(() -> new IllegalStateException("no invite code in the answer")));
    }

    /** Joins the group behind {@code code}: its jid. */
    public Future<String> joinGroup(String code) {
        return ask(id -> GroupStanzas.join(id, code)).map(answer -> {
            String jid = answer.child("group").flatMap(group -> group.attribute("jid")).orElseThrow(
                    () -> new IllegalStateException("no group in the answer"));
            return jid.contains("@") ? jid : jid + GroupStanzas.SERVER;
        });
    }

    public Future<Void> leaveGroup(String groupJid) {
        return ask(id -> GroupStanzas.leave(id, groupJid)).compose(ignored -> forget(groupJid));
    }

    private Future<Void> forget(String groupJid) {
        return onContext(() -> {
            groups.remove(groupJid);
            return null;
        });
    }

    // ---- w:gp2 ----------------------------------------------------------------------------------

    /**
     * A group changed: the metadata we keep is dropped, our sender key too when someone was removed
     * or left (so they cannot read what we send next), the change is stored, then acknowledged.
     */
    @Override
    public void onGroupNotification(Connection from, Node notification) {
        if (from != connection) {
            return;
        }
        GroupChange change = GroupStanzas.change(notification, Map.copyOf(knownLids));
        if (change == null) {
            from.send(Stanza.ack(notification));
            return;
        }
        groups.remove(change.groupJid());
        Future<Void> rotated = "remove".equals(change.action()) || "leave".equals(change.action())
                ? serialized(() -> signal.sent(Map.of(senderKeyAddress(change.groupJid(), OWN), SignalSessionRecord.getDefaultInstance())))
                : Future.succeededFuture();
        String ownPhone = credentials.account().map(Credentials.Account::phone).orElse(null);
        rotated.compose(ignored -> signal.groupChanged(change, ownPhone)).onComplete(stored -> context.runOnContext(ignored -> {
            if (stored.succeeded() && from == connection) {
                from.send(Stanza.ack(notification));
            } else if (stored.failed()) {
                // Unacknowledged: WhatsApp hands it over again at the next login.
                events.handle(new ClientEvent.Undecryptable(change.id(), change.groupJid(), "a group change was not stored: "
                        + stored.cause().getMessage()));
            }
        }));
    }

    // ---- sending --------------------------------------------------------------------------------

    /**
     * Sends {@code content} to the group under the caller's id: the members' devices (usync), our
     * sender key (created when there is none) distributed to each device that lacks it, the message
     * encrypted once with it; sessions and key stored before anything goes out, then the server's ack.
     */
    public Future<WhatsAppClient.Sent> sendGroupMessage(String groupJid, Message content, String id) {
        if (!isGroupJid(groupJid) || content == null || id == null || !id.matches("[0-9A-Za-z]{8,64}")) {
            return Future.failedFuture(new IllegalArgumentException("a group jid, a message and a message id are required"));
        }
        return onContextFuture(() -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.CONNECTED) {
                return Future.failedFuture(new IllegalStateException("not connected"));
            }
            Credentials.Account account = credentials.account().orElseThrow();
            retries.sent(id, new SentText(groupJid, content, clock.instant()));
            return groupInfo(groupJid, false).compose(info -> {
                Set<String> users = new LinkedHashSet<>();
                info.participants().stream().filter(p -> p.phone() != null).forEach(p -> users.add(p.phone() + Stanza.SERVER));
                users.add(account.phone() + Stanza.SERVER);
                return devicesOf(current, account, List.copyOf(users)).compose(devices -> onContextFuture(() -> {
                    return missingKey(groupJid, devices).compose(missing -> sessionsFor(missing))
                            .compose(records -> onContextFuture(() -> bundlesFor(current, records)))
                            .compose(bundles -> onContextFuture(() -> serialized(() -> encryptForGroup(current, account, info, id,
                                    content, devices, bundles))));
                }));
            }).compose(message -> onContextFuture(() -> {
                if (current != connection || current.state() != Connection.State.CONNECTED) {
                    return Future.failedFuture(new IllegalStateException("the connection ended while sending"));
                }
                return current.query(message);
            })).compose(ack -> acknowledged(id, ack));
        });
    }

    /** The devices our current sender key for the group was not given to yet (all of them when we have none). */
    private Future<List<String>> missingKey(String groupJid, List<String> devices) {
        return signal.session(senderKeyAddress(groupJid, OWN)).map(record -> missingKey(record.getSenderKey(), devices));
    }

    private static List<String> missingKey(SenderKeyRecord own, List<String> devices) {
        if (!SenderKeys.canEncrypt(own)) {
            return devices;
        }
        Set<String> have = new java.util.HashSet<>(own.getDistributedToList());
        return devices.stream().filter(device -> !have.contains(device)).toList();
    }

    /** In the Signal lane: reads our key and the sessions again, encrypts, stores, answers the stanza. */
    private Future<Node> encryptForGroup(Connection current, Credentials.Account account, GroupInfo info, String id, Message content,
            List<String> devices, Map<String, PreKeyBundle> bundles) {
        String ownAddress = senderKeyAddress(info.jid(), OWN);
        return signal.session(ownAddress).compose(ownRecord -> sessionsFor(missingKey(ownRecord.getSenderKey(), devices))
                .compose(records -> onContextFuture(() -> {
                    if (current != connection || current.state() != Connection.State.CONNECTED) {
                        return Future.failedFuture(new IllegalStateException("the connection ended while sending"));
                    }
                    SenderKeyRecord own = SenderKeys.canEncrypt(ownRecord.getSenderKey()) ? ownRecord.getSenderKey() : SenderKeys.create();
                    Map<String, SignalSessionRecord> ready = withBundles(records, bundles);
                    Message distribution = Message.newBuilder().setSenderKeyDistributionMessage(
                            Message.SenderKeyDistributionMessage.newBuilder().setGroupId(info.jid())
                                    .setAxolotlSenderKeyDistributionMessage(com.google.protobuf.ByteString.copyFrom(
                                            SenderKeys.distribution(own)))).build();
                    SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(), credentials.registrationId()));
                    Map<String, SignalSessionRecord> updated = new LinkedHashMap<>();
                    List<Node> participants = new ArrayList<>();
                    boolean preKeyMessage = false;
                    java.util.Optional<String> mediaType = Outbound.mediaType(content);
                    for (Map.Entry<String, SignalSessionRecord> device : ready.entrySet()) {
                        SessionCipher.Encrypted encrypted;
                        try {
                            encrypted = cipher.encrypt(device.getValue(), Plaintext.message(distribution));
                        } catch (SignalException e) {
                            return Future.failedFuture(e);
                        }
                        preKeyMessage |= "pkmsg".equals(encrypted.type());
                        updated.put(Inbound.signalAddress(device.getKey()), encrypted.record());
                        Map<String, String> encAttrs = Stanza.attrs("v", "2", "type", encrypted.type());
                        mediaType.ifPresent(kind -> encAttrs.put("mediatype", kind));
                        participants.add(Node.withChildren("to", Stanza.attrs("jid", device.getKey()), List.of(
                                Node.withBytes("enc", encAttrs, encrypted.ciphertext()))));
                    }
                    SenderKeys.Encrypted group;
                    try {
                        group = SenderKeys.encrypt(own, Plaintext.message(content));
                    } catch (SignalException e) {
                        return Future.failedFuture(e);
                    }
                    Set<String> given = new LinkedHashSet<>(SenderKeys.canEncrypt(ownRecord.getSenderKey())
                            ? ownRecord.getSenderKey().getDistributedToList() : List.of());
                    given.addAll(ready.keySet());
                    updated.put(ownAddress, SignalSessionRecord.newBuilder().setSenderKey(group.record().toBuilder()
                            .clearDistributedTo().addAllDistributedTo(given)).build());
                    List<Node> children = new ArrayList<>();
                    if (!participants.isEmpty()) {
                        children.add(Node.withChildren("participants", Stanza.attrs(), participants));
                    }
                    Map<String, String> skAttrs = Stanza.attrs("v", "2", "type", "skmsg");
                    mediaType.ifPresent(kind -> skAttrs.put("mediatype", kind));
                    children.add(Node.withBytes("enc", skAttrs, group.ciphertext()));
                    if (preKeyMessage) {
                        children.add(Node.withBytes("device-identity", Stanza.attrs(), account.signedDeviceIdentity()));
                    }
                    List<String> hashed = new ArrayList<>(devices);
                    hashed.add(account.deviceJid());
                    Map<String, String> attrs = Stanza.attrs("id", id, "to", info.jid(), "type", Outbound.stanzaType(content),
                            "addressing_mode", info.addressingMode(), "phash", GroupStanzas.phash(hashed));
                    String edit = Outbound.editAttribute(content);
                    if (edit != null) {
                        attrs.put("edit", edit);
                    }
                    Node message = Node.withChildren("message", attrs, children);
                    return signal.sent(updated).map(ignored -> message);
                })));
    }

    /**
     * A member device could not decrypt our group message: our key again in a pairwise message for
     * that device only (on a new session from the keys in the receipt or a fresh bundle from the
     * second ask on), and the message encrypted again with our key, under the same id.
     */
    @Override
    void resendInGroup(Connection from, Node receipt, String id, String device, SentText sent, int count) {
        String groupJid = sent.phone();
        String address = Inbound.signalAddress(device);
        events.handle(new ClientEvent.Retry(id, device, count, false));
        resendBundle(from, receipt, device, address, count).compose(keys -> serialized(() -> signal.session(address)
                .compose(record -> signal.session(senderKeyAddress(groupJid, OWN))
                        .compose(ownRecord -> onContextFuture(() -> {
                            if (from != connection || from.state() != Connection.State.CONNECTED) {
                                return Future.failedFuture(new IllegalStateException("the connection ended"));
                            }
                            if (!SenderKeys.canEncrypt(ownRecord.getSenderKey())) {
                                return Future.failedFuture(new IllegalStateException("our sender key for " + groupJid
                                        + " was rotated since; the message is not sent again under a new key"));
                            }
                            Credentials.Account account = credentials.account().orElseThrow();
                            SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(),
                                    credentials.registrationId()));
                            SenderKeyRecord own = ownRecord.getSenderKey();
                            Message distribution = Message.newBuilder().setSenderKeyDistributionMessage(
                                    Message.SenderKeyDistributionMessage.newBuilder().setGroupId(groupJid)
                                            .setAxolotlSenderKeyDistributionMessage(com.google.protobuf.ByteString.copyFrom(
                                                    SenderKeys.distribution(own)))).build();
                            SessionCipher.Encrypted pairwise;
                            SenderKeys.Encrypted group;
                            try {
                                SignalSessionRecord fresh = keys == null ? record : cipher.initiate(record, keys);
                                pairwise = cipher.encrypt(fresh, Plaintext.message(distribution));
                                group = SenderKeys.encrypt(own, Plaintext.message(sent.message()));
                            } catch (SignalException e) {
                                return Future.failedFuture(e);
                            }
                            Map<String, String> encAttrs = Stanza.attrs("v", "2", "type", pairwise.type(), "count", String.valueOf(count));
                            Map<String, String> skAttrs = Stanza.attrs("v", "2", "type", "skmsg");
                            Outbound.mediaType(sent.message()).ifPresent(kind -> {
                                encAttrs.put("mediatype", kind);
                                skAttrs.put("mediatype", kind);
                            });
                            List<Node> children = new ArrayList<>(List.of(Node.withChildren("participants", Stanza.attrs(),
                                    List.of(Node.withChildren("to", Stanza.attrs("jid", device), List.of(Node.withBytes("enc", encAttrs,
                                            pairwise.ciphertext()))))), Node.withBytes("enc", skAttrs, group.ciphertext())));
                            if ("pkmsg".equals(pairwise.type())) {
                                children.add(Node.withBytes("device-identity", Stanza.attrs(), account.signedDeviceIdentity()));
                            }
                            Set<String> given = new LinkedHashSet<>(own.getDistributedToList());
                            given.add(device);
                            Map<String, SignalSessionRecord> updated = new LinkedHashMap<>();
                            updated.put(address, pairwise.record());
                            updated.put(senderKeyAddress(groupJid, OWN), SignalSessionRecord.newBuilder().setSenderKey(group.record()
                                    .toBuilder().clearDistributedTo().addAllDistributedTo(given)).build());
                            Node message = Node.withChildren("message", Stanza.attrs("id", id, "to", groupJid, "participant", device,
                                    "type", Outbound.stanzaType(sent.message())), children);
                            return signal.sent(updated).map(ignored -> message);
                        })))))
                .compose(message -> onContextFuture(() -> from.query(message)))
                .onFailure(error -> events.handle(new ClientEvent.Undecryptable(id, device, "could not send it again: "
                        + error.getMessage())));
    }

    // ---- receiving ------------------------------------------------------------------------------

    /**
     * A group message from {@code sender} (its device as a phone-number jid): a pairwise
     * {@code <enc>}, if any, is opened first and the sender key it distributes kept; then the
     * {@code skmsg} is opened with the sender's key. The sessions, the key and the message are stored
     * together; a key that opened but a message that did not is stored before the retry receipt.
     */
    @Override
    Future<Void> receiveGroup(Connection from, Node message, String sender) {
        String id = message.attribute("id").orElse("");
        String groupJid = message.attribute("from").orElse("");
        String address = sender == null ? null : Inbound.signalAddress(sender);
        Node pairwise = message.children().stream().filter(child -> "enc".equals(child.tag())
                && List.of("pkmsg", "msg").contains(child.attribute("type").orElse(""))).findFirst().orElse(null);
        Node skmsg = message.children().stream().filter(child -> "enc".equals(child.tag())
                && "skmsg".equals(child.attribute("type").orElse(""))).findFirst().orElse(null);
        if (address == null || (pairwise == null && skmsg == null)) {
            from.send(Stanza.ack(message));
            events.handle(new ClientEvent.Undecryptable(id, groupJid, "unsupported: " + (address == null
                    ? "sender " + message.attribute("participant").orElse("") : "no pkmsg, msg or skmsg")));
            return Future.succeededFuture();
        }
        String keyAddress = senderKeyAddress(groupJid, address);
        Credentials keys = credentials;
        Instant sentAt = message.attribute("t").filter(t -> t.matches("[0-9]{1,12}")).map(t -> Instant.ofEpochSecond(Long.parseLong(t)))
                .orElse(null);
        Future<Inbound.Decrypted> stored = signal.alreadyReceived(sender, id).compose(seen -> seen
                ? Future.failedFuture(new Inbound.Duplicate())
                : signal.session(address).compose(session -> signal.session(keyAddress).compose(keyRecord -> {
                    Map<String, SignalSessionRecord> updates = new LinkedHashMap<>();
                    SenderKeyRecord senderKey = keyRecord.getSenderKey();
                    Integer usedPreKey = null;
                    io.switchboard.protocol.message.Received pairwiseContent = null;
                    if (pairwise != null) {
                        Inbound.Opened opened;
                        try {
                            opened = Inbound.open(keys, session, pairwise.attribute("type").orElse(""), pairwise.bytes().orElseThrow());
                        } catch (Inbound.Unreadable e) {
                            return Future.failedFuture(e);
                        }
                        updates.put(address, opened.record());
                        usedPreKey = opened.usedPreKeyId();
                        pairwiseContent = io.switchboard.protocol.message.Received.of(opened.message()).orElse(null);
                        if (opened.message().hasSenderKeyDistributionMessage()
                                && groupJid.equals(opened.message().getSenderKeyDistributionMessage().getGroupId())) {
                            try {
                                senderKey = SenderKeys.process(senderKey, opened.message().getSenderKeyDistributionMessage()
                                        .getAxolotlSenderKeyDistributionMessage().toByteArray());
                                updates.put(keyAddress, SignalSessionRecord.newBuilder().setSenderKey(senderKey).build());
                            } catch (SignalException e) {
                                // A distribution that does not read: the skmsg decides whether to ask again.
                            }
                        }
                    }
                    Integer used = usedPreKey;
                    if (skmsg == null) {
                        // A resend for this device alone (Baileys 7 answers a retry so): the message itself is in the pairwise one.
                        io.switchboard.protocol.message.Received whole = pairwiseContent;
                        if (whole == null) {
                            return signal.sent(updates).map(ignored -> new Inbound.Decrypted(null, session, used));
                        }
                        return signal.received(updates, InboundMessage.of(id, sender, groupJid, sentAt, whole))
                                .map(ignored -> new Inbound.Decrypted(whole, session, used));
                    }
                    SenderKeys.Decrypted opened;
                    try {
                        opened = SenderKeys.decrypt(senderKey, skmsg.bytes().orElseThrow());
                    } catch (SignalException e) {
                        Inbound.Unreadable unreadable = new Inbound.Unreadable(e.kind() + ": " + e.getMessage(),
                                e.kind() != SignalException.Kind.DUPLICATE);
                        return (updates.isEmpty() ? Future.<Void>succeededFuture() : signal.sent(updates))
                                .compose(ignored -> Future.failedFuture(unreadable));
                    }
                    updates.put(keyAddress, SignalSessionRecord.newBuilder().setSenderKey(opened.record()).build());
                    io.switchboard.protocol.message.Received read;
                    try {
                        read = Plaintext.read(opened.plaintext()).orElse(null);
                    } catch (MessageFormatException e) {
                        read = new io.switchboard.protocol.message.Received("unsupported", null, null, null, null, null,
                                Map.of("fields", List.of(), "problem", e.getMessage()));
                    }
                    if (read == null) {
                        return signal.sent(updates).map(ignored -> new Inbound.Decrypted(null, session, used));
                    }
                    InboundMessage received = InboundMessage.of(id, sender, groupJid, sentAt, read);
                    io.switchboard.protocol.message.Received shown = read;
                    return signal.received(updates, received).map(ignored -> new Inbound.Decrypted(shown, session, used));
                })));
        return stored.transform(done -> onContextFuture(() -> afterReceive(from, message, sender, done)));
    }

    // ---- shared with 1:1 sending ------------------------------------------------------------------

    /** The stored record of each device, in order. */
    Future<Map<String, SignalSessionRecord>> sessionsFor(List<String> deviceJids) {
        Map<String, SignalSessionRecord> records = new LinkedHashMap<>();
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
    Future<Map<String, PreKeyBundle>> bundlesFor(Connection current, Map<String, SignalSessionRecord> records) {
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
    Map<String, SignalSessionRecord> withBundles(Map<String, SignalSessionRecord> records,
            Map<String, PreKeyBundle> bundles) {
        SessionCipher cipher = new SessionCipher(new LocalIdentity(credentials.identityKey(), credentials.registrationId()));
        Map<String, SignalSessionRecord> ready = new LinkedHashMap<>();
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

    Future<WhatsAppClient.Sent> acknowledged(String id, Node ack) {
        if (ack.attribute("error").isPresent()) {
            return Future.failedFuture(new SendRefused("rejected", "WhatsApp refused the message: error " + ack.attribute("error").get()));
        }
        String t = ack.attribute("t").filter(value -> value.matches("[0-9]{1,12}")).orElse(null);
        return Future.succeededFuture(new WhatsAppClient.Sent(id, t == null ? clock.instant() : Instant.ofEpochSecond(Long.parseLong(t))));
    }
}
