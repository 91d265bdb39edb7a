package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A strict local WhatsApp: the server side of the transport, a registry of accounts and linked
 * devices, and the simulated phones that scan QR codes. Framework-free; the Quarkus glue mounts
 * it and exposes its admin operations.
 */
public final class SandboxServer {

    /** A linked device as the admin API shows it. */
    public record DeviceView(String deviceJid, String phone, String lid, String platform, boolean online, int preKeys,
            String version, int signedPreKeyId) {
    }

    private static final System.Logger LOG = System.getLogger(SandboxServer.class.getName());
    private static final Pattern PHONE = Pattern.compile("[1-9][0-9]{6,15}");

    private final Vertx vertx;
    private final SandboxOptions options;
    private final Clock clock;
    private final SandboxIdentity identity;
    private final WebVersionPolicy webVersions;
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final Map<String, LinkedDevice> devices = new ConcurrentHashMap<>();
    private final Map<String, SandboxConnection> online = new ConcurrentHashMap<>();
    private final Map<String, Pairing> pairingsByRef = new ConcurrentHashMap<>();
    private final Map<String, SandboxConnection> codeRequests = new ConcurrentHashMap<>();
    private final KeyDirectory keys = new KeyDirectory();
    private final Faults faults = new Faults();
    /** Devices whose network is down: their logins are cut. */
    private final java.util.Set<String> unreachable = ConcurrentHashMap.newKeySet();
    /** Below this many one-time pre-keys left, a device is notified (Baileys uploads below 5). */
    static final int LOW_PRE_KEYS = 5;
    private final Map<String, java.util.Queue<Node>> offlineQueue = new ConcurrentHashMap<>();
    /** Per offline device: beyond this the oldest waiting message is dropped (a device gone for good must not grow the heap). */
    static final int MAX_QUEUED = 10_000;
    private final Map<String, String> senders = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 100_000;
        }
    };
    private final java.util.Deque<Transcript.View> transcripts = new java.util.ArrayDeque<>();
    private final java.util.Set<SandboxConnection> open = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong rejections = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong unexpected = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong companionRefreshes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong offlineBatchMissing = new java.util.concurrent.atomic.AtomicLong();

    public SandboxServer(Vertx vertx, SandboxOptions options, Clock clock) {
        this.vertx = vertx;
        this.options = options;
        this.clock = clock;
        this.identity = new SandboxIdentity(clock.instant());
        this.webVersions = new WebVersionPolicy(options.minimumClientVersion());
    }

    /** The sandbox's root key: clients verifying the certificate chain must trust it. */
    public byte[] trustRoot() {
        return identity.rootPublicKey();
    }

    /** Serves one WebSocket; {@code cut} drops its TCP connection without a close frame. */
    public void accept(ServerWebSocket socket, Runnable cut) {
        open.add(new SandboxConnection(this, socket, cut, vertx.getOrCreateContext()));
    }

    /** The phone {@code phone} scans {@code qr}; completes once the device confirmed the pairing. */
    public Future<LinkedDevice> scan(String qr, String phone) {
        try {
            if (phone == null || !PHONE.matcher(phone).matches()) {
                throw new SandboxException(SandboxException.Kind.BAD_REQUEST, "phone must be 7 to 16 digits, no '+'");
            }
            QrText text = QrText.parse(qr);
            Pairing pairing = pairingsByRef.get(text.ref());
            if (pairing == null) {
                throw new SandboxException(SandboxException.Kind.UNKNOWN_REF, "no device is showing this QR code");
            }
            if (!pairing.isCurrent(text.ref(), now())) {
                throw new SandboxException(SandboxException.Kind.EXPIRED_REF, "this QR code has expired");
            }
            Account account = account(phone);
            Promise<LinkedDevice> result = Promise.promise();
            pairing.connection.run(() -> pairing.connection.scanned(new PhonePairing(account, text, now()), text, result));
            return result.future();
        } catch (SandboxException e) {
            return Future.failedFuture(e);
        }
    }

    /** The version policy as it stands. */
    public WebVersionPolicy.View webVersion() {
        return webVersions.view();
    }

    /**
     * Changes the accepted and published WhatsApp Web versions, as a WhatsApp release does; devices
     * online with a version now refused lose their stream and meet failure 405 when they log in again.
     */
    public Future<WebVersionPolicy.View> updateWebVersion(String minimum, String latest, Boolean published) {
        WebVersionPolicy.View view;
        try {
            view = webVersions.update(minimum, latest, published);
        } catch (SandboxException e) {
            return Future.failedFuture(e);
        }
        for (SandboxConnection connection : online.values()) {
            connection.run(() -> {
                if (connection.version != null && !webVersions.accepts(connection.version)) {
                    connection.closeNow();
                }
            });
        }
        return Future.succeededFuture(view);
    }

    /** The body of {@code GET /sandbox/sw.js}, or empty while the sandbox plays an unreachable version URL. */
    public java.util.Optional<String> serviceWorker() {
        return java.util.Optional.ofNullable(webVersions.serviceWorker());
    }

    /**
     * A person types {@code code} on phone {@code phone} (Linked devices → Link with phone number);
     * completes once the device that asked for a code for that phone confirmed the pairing.
     */
    public Future<LinkedDevice> typeCode(String phone, String code) {
        if (phone == null || !PHONE.matcher(phone).matches()) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST, "phone must be 7 to 16 digits, no '+'"));
        }
        SandboxConnection connection = codeRequests.get(phone);
        if (connection == null) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_REF,
                    "no device is waiting for a code for this phone"));
        }
        Account account = account(phone);
        Promise<LinkedDevice> result = Promise.promise();
        connection.run(() -> connection.codeTyped(account, code, result));
        return result.future();
    }

    /** Connections closed because a peer's bytes broke the protocol, with a typed error. */
    public long protocolRejections() {
        return rejections.get();
    }

    /** Connections closed because a peer's bytes provoked anything else (must stay 0: each is a bug). */
    public long unexpectedFailures() {
        return unexpected.get();
    }

    /** What clients sent on their last closed connections (oldest first), those of {@code phone} only if given. */
    public List<Transcript.View> transcripts(String phone) {
        List<Transcript.View> all;
        synchronized (transcripts) {
            all = new ArrayList<>(transcripts);
        }
        open.forEach(connection -> all.add(connection.transcript.view()));
        return all.stream().filter(view -> phone == null || phone.equals(view.phone())).toList();
    }

    void keepTranscript(Transcript.View view) {
        synchronized (transcripts) {
            transcripts.addLast(view);
            while (transcripts.size() > 100) {
                transcripts.removeFirst();
            }
        }
    }

    /** companion_reg_refresh notifications sent to unpaired devices. */
    public long companionRefreshes() {
        return companionRefreshes.get();
    }

    /** Logins where the device did not answer the offline preview with a batch request. */
    public long offlineBatchesMissing() {
        return offlineBatchMissing.get();
    }

    void offlineBatchMissing() {
        offlineBatchMissing.incrementAndGet();
    }

    void companionRefreshSent() {
        companionRefreshes.incrementAndGet();
    }

    void rejected(boolean typed) {
        (typed ? rejections : unexpected).incrementAndGet();
    }

    /** WebSockets currently open to the sandbox, paired or not. */
    public int openConnections() {
        return open.size();
    }

    public List<DeviceView> devices() {
        List<DeviceView> views = new ArrayList<>();
        for (LinkedDevice device : devices.values()) {
            SandboxConnection connection = online.get(device.deviceJid());
            long[] version = connection == null ? null : connection.version;
            views.add(new DeviceView(device.deviceJid(), device.phone(), device.lid(), device.platform(),
                    connection != null, preKeyCount(device.deviceJid()), version == null ? null : WebVersionPolicy.text(version),
                    keys.signedPreKeyId(device.deviceJid())));
        }
        views.sort(Comparator.comparing(DeviceView::deviceJid));
        return views;
    }

    /** Ends a device's stream the way WhatsApp does for {@code code}; 401 also unlinks it. */
    public Future<Void> disconnect(String deviceJid, int code) {
        if (!DisconnectCodes.SUPPORTED.contains(code)) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST,
                    "code must be one of " + DisconnectCodes.SUPPORTED));
        }
        SandboxConnection connection = online.get(deviceJid);
        if (connection == null) {
            return unknownOrOffline(deviceJid);
        }
        if (code == 401) {
            devices.remove(deviceJid);
        }
        connection.run(() -> connection.closeWith(DisconnectCodes.goodbye(code)));
        return Future.succeededFuture();
    }

    public Future<Void> drop(String deviceJid) {
        SandboxConnection connection = online.get(deviceJid);
        if (connection == null) {
            return unknownOrOffline(deviceJid);
        }
        connection.run(connection::cut);
        return Future.succeededFuture();
    }

    /**
     * The device loses its network: its connection is cut and every login of it is cut too, until
     * {@link #networkUp}; messages and receipts for it wait in its offline queue meanwhile.
     */
    public Future<Void> networkDown(String deviceJid) {
        if (!devices.containsKey(deviceJid)) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, "no such device"));
        }
        unreachable.add(deviceJid);
        SandboxConnection connection = online.get(deviceJid);
        if (connection != null) {
            connection.run(connection::cut);
        }
        return Future.succeededFuture();
    }

    /** The device's network is back: its next login goes through. */
    public Future<Void> networkUp(String deviceJid) {
        if (!devices.containsKey(deviceJid)) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, "no such device"));
        }
        unreachable.remove(deviceJid);
        return Future.succeededFuture();
    }

    /** Whether the device's network is down ({@link #networkDown}). */
    boolean unreachable(String deviceJid) {
        return unreachable.contains(deviceJid);
    }

    /** The phone unlinks the device: it is told so if online, and refused at its next login. */
    public Future<Void> remove(String deviceJid) {
        if (devices.remove(deviceJid) == null) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, "no such device"));
        }
        SandboxConnection connection = online.get(deviceJid);
        if (connection != null) {
            connection.run(() -> connection.closeWith(Stanzas.deviceRemoved()));
        }
        return Future.succeededFuture();
    }

    private Future<Void> unknownOrOffline(String deviceJid) {
        String message = devices.containsKey(deviceJid) ? "device is not connected" : "no such device";
        return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, message));
    }

    /** Logged-in connections, pings received and the longest silence of any (does every device keep its connection alive?). */
    public record KeepaliveView(int connections, long pings, long longestSilenceMillis) { }

    public KeepaliveView keepalives() {
        long now = System.nanoTime();
        int connections = 0;
        long pings = 0;
        long longest = 0;
        for (SandboxConnection connection : online.values()) {
            connections++;
            pings += connection.handlers.pings();
            longest = Math.max(longest, connection.handlers.longestSilenceMillis(now));
        }
        return new KeepaliveView(connections, pings, longest);
    }

    // ---- used by connections -------------------------------------------------------------------

    /** The account of {@code phone}, created (with its phone's published Signal keys) on first use. */
    Account account(String phone) {
        return accounts.computeIfAbsent(phone, number -> {
            Account created = new Account(number);
            keys.upload(LinkedDevice.deviceJid(number, 0), created.published(), created.publishedOneTime());
            return created;
        });
    }

    /**
     * Makes the next {@code count} 1:1 messages delivered to a linked device of {@code phone} arrive
     * {@code corrupt} (a flipped byte in the Signal MAC) or
     * {@code duplicate} (delivered twice): what a client does about it is the test.
     */
    public Future<Void> injectFault(String phone, String kind, int count) {
        if (phone == null || !PHONE.matcher(phone).matches() || count < 1 || count > 100
                || !(Faults.CORRUPT.equals(kind) || Faults.DUPLICATE.equals(kind))) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST,
                    "phone (7 to 16 digits), kind (corrupt or duplicate) and count (1 to 100) are required"));
        }
        faults.arm(phone, kind, count);
        return Future.succeededFuture();
    }

    /** The phone number a PN or LID jid belongs to ("" when neither). */
    String phoneOf(String jid) {
        String pn = toPhoneNumberJid(jid);
        if (!pn.endsWith(Stanzas.SERVER)) {
            return "";
        }
        String user = pn.substring(0, pn.length() - Stanzas.SERVER.length());
        return user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    }

    /** {@code phone@s.whatsapp.net} names device 0; {@code phone:n@s.whatsapp.net} device n; LID forms alike. */
    String deviceJidOf(String jid) {
        String pn = toPhoneNumberJid(jid);
        if (!pn.endsWith(Stanzas.SERVER)) {
            return pn;
        }
        String user = pn.substring(0, pn.length() - Stanzas.SERVER.length());
        return user.contains(":") ? pn : LinkedDevice.deviceJid(user, 0);
    }

    /** {@code phone:n@s.whatsapp.net} as {@code lidUser:n@lid} (device 0 without the suffix); null when unknown. */
    String lidDeviceJid(String deviceJid) {
        Account account = accounts.get(phoneOf(deviceJid));
        if (account == null) {
            return null;
        }
        String device = deviceJidOf(deviceJid);
        String number = device.substring(device.indexOf(':') + 1, device.indexOf('@'));
        return "0".equals(number) ? account.lidUser + "@lid" : account.lidUser + ":" + number + "@lid";
    }

    /** A bundle was handed out for {@code deviceJid}: a device running low is told so, as WhatsApp does. */
    void preKeysTaken(String deviceJid) {
        int left = keys.oneTimeCount(deviceJid);
        SandboxConnection connection = online.get(deviceJid);
        if (connection == null || left >= LOW_PRE_KEYS) {
            return;
        }
        Node notification = Node.withChildren("notification", Stanzas.attrs("from", Stanzas.SERVER, "type", "encrypt",
                "id", "prekeys-" + Long.toHexString(System.nanoTime()), "t", String.valueOf(now().getEpochSecond())),
                List.of(Node.of("count", Stanzas.attrs("value", String.valueOf(left)))));
        connection.run(() -> connection.send(notification));
    }

    /** {@code lidUser[:device]@lid} as the phone-number jid it stands for; other jids unchanged. */
    String toPhoneNumberJid(String jid) {
        if (!jid.endsWith("@lid")) {
            return jid;
        }
        String user = jid.substring(0, jid.length() - "@lid".length());
        String device = user.contains(":") ? user.substring(user.indexOf(':')) : "";
        String lidUser = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
        for (Account account : accounts.values()) {
            if (account.lidUser.equals(lidUser)) {
                return account.phone + device + Stanzas.SERVER;
            }
        }
        return jid;
    }

    Account existingAccount(String phone) {
        return accounts.get(phone);
    }

    /** Linked companion devices of {@code phone}, in device order. */
    List<LinkedDevice> devicesOf(String phone) {
        List<LinkedDevice> found = new ArrayList<>();
        for (LinkedDevice device : devices.values()) {
            if (device.phone().equals(phone)) {
                found.add(device);
            }
        }
        found.sort(Comparator.comparingInt(LinkedDevice::device));
        return found;
    }

    KeyDirectory keys() {
        return keys;
    }

    /**
     * Hands {@code message} to {@code deviceJid} now if online, else at its next login (before the
     * offline mark). A fault armed for the device's phone applies to 1:1 messages ({@link #injectFault}).
     */
    void deliver(String deviceJid, Node message) {
        Node delivered = message;
        if ("message".equals(message.tag()) && devices.containsKey(deviceJid)) {
            String fault = faults.take(phoneOf(deviceJid), message);
            if (fault != null) {
                LOG.log(System.Logger.Level.INFO, "sandbox: delivering message {0} to {1} {2}", message.attribute("id").orElse(""),
                        deviceJid, Faults.CORRUPT.equals(fault) ? "corrupted" : "twice");
            }
            if (Faults.CORRUPT.equals(fault)) {
                delivered = Faults.corrupted(message);
            } else if (Faults.DUPLICATE.equals(fault)) {
                handOver(deviceJid, message);
            }
        }
        handOver(deviceJid, delivered);
    }

    private void handOver(String deviceJid, Node message) {
        Account phone = phoneAt(deviceJid);
        if (phone != null) {
            toPhone(phone, message);
            return;
        }
        SandboxConnection connection = online.get(deviceJid);
        if (connection != null) {
            connection.run(() -> {
                if (connection.state() == SandboxConnection.State.CONNECTED) {
                    connection.deliver(message);
                } else {
                    queue(deviceJid, message);
                }
            });
        } else if (devices.containsKey(deviceJid)) {
            queue(deviceJid, message);
        }
    }

    /** The account whose phone (device 0) {@code deviceJid} names, if any. */
    private Account phoneAt(String deviceJid) {
        String device = deviceJidOf(deviceJid);
        return device.endsWith(":0" + Stanzas.SERVER) ? accounts.get(phoneOf(device)) : null;
    }

    /** The phone reads a message (and answers with its receipt) or records a receipt for one of its own. */
    private void toPhone(Account phone, Node stanza) {
        if ("receipt".equals(stanza.tag())) {
            phone.party.receipt(stanza.attribute("id").orElse(""), stanza.attribute("from").orElse(""),
                    stanza.attribute("type").orElse(""));
            return;
        }
        if (!"message".equals(stanza.tag())) {
            return;
        }
        Node answer = phone.party.receive(stanza);
        String from = stanza.attribute("from").orElse("");
        if (answer != null && !from.isEmpty()) {
            deliver(deviceJidOf(from), answer);
        }
    }

    /**
     * The phone of {@code phone} writes {@code text} to {@code to}: to every device of the recipient
     * (phone and companions) and a copy to each of its own companions; answers the message id.
     */
    public Future<String> phoneWrites(String phone, String to, String text) {
        if (phone == null || !PHONE.matcher(phone).matches() || to == null || !PHONE.matcher(to).matches()
                || text == null || text.isEmpty() || text.length() > 65_536) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST,
                    "phone and to (7 to 16 digits) and a text of 1 to 65,536 characters are required"));
        }
        Account recipient = accounts.get(to);
        if (recipient == null) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, to + " is not on WhatsApp"));
        }
        Account sender = account(phone);
        List<String> recipientDevices = new ArrayList<>(List.of(LinkedDevice.deviceJid(to, 0)));
        devicesOf(to).stream().map(LinkedDevice::deviceJid).filter(keys::has).forEach(recipientDevices::add);
        List<String> ownDevices = new ArrayList<>();
        devicesOf(phone).stream().map(LinkedDevice::deviceJid).filter(keys::has).forEach(ownDevices::add);
        Map<String, io.switchboard.protocol.signal.PreKeyBundle> bundles = new java.util.HashMap<>();
        List<String> all = new ArrayList<>(recipientDevices);
        all.addAll(ownDevices);
        for (String device : all) {
            if (!sender.party.hasSession(device)) {
                io.switchboard.protocol.signal.PreKeyBundle bundle = keys.takeBundle(device);
                if (bundle != null) {
                    bundles.put(device, bundle);
                }
                preKeysTaken(device);
            }
        }
        String id = PhoneParty.newMessageId();
        Map<String, Node> messages;
        try {
            messages = sender.party.write(id, to, recipientDevices, ownDevices, bundles, text, now().getEpochSecond());
        } catch (SandboxException e) {
            return Future.failedFuture(e);
        }
        rememberSender(id, sender.party.deviceJid());
        messages.forEach(this::deliver);
        return Future.succeededFuture(id);
    }

    /** The person reads texts {@code ids} on the phone of {@code phone}: a read receipt goes to each sender. */
    public Future<Integer> phoneReads(String phone, List<String> ids) {
        Account account = accounts.get(phone);
        if (account == null || ids == null || ids.isEmpty()) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST, "a known phone and message ids are required"));
        }
        Map<String, String> senders = account.party.sendersOf(ids);
        senders.forEach((id, from) -> deliver(deviceJidOf(from), Node.of("receipt", Stanzas.attrs("from", account.party.deviceJid(),
                "id", id, "type", "read", "t", String.valueOf(now().getEpochSecond())))));
        return Future.succeededFuture(senders.size());
    }

    /** What the phone of {@code phone} received and read (or could not), oldest first. */
    public List<PhoneParty.Received> phoneReceived(String phone) {
        Account account = accounts.get(phone);
        return account == null ? List.of() : account.party.received();
    }

    /** What the phone of {@code phone} sent, with the receipts that came back. */
    public List<PhoneParty.Sent> phoneSent(String phone) {
        Account account = accounts.get(phone);
        return account == null ? List.of() : account.party.sent();
    }

    private void queue(String deviceJid, Node message) {
        java.util.Queue<Node> queue = offlineQueue.computeIfAbsent(deviceJid, k -> new java.util.concurrent.ConcurrentLinkedQueue<>());
        queue.add(message);
        while (queue.size() > MAX_QUEUED) {
            queue.poll();
        }
    }

    /**
     * Messages a device was handed but never acknowledged before its connection ended: they go to
     * the front of its queue, ahead of anything that arrived since, and reach it at its next login.
     */
    void requeue(String deviceJid, List<Node> unacknowledged) {
        if (!devices.containsKey(deviceJid)) {
            return;
        }
        offlineQueue.compute(deviceJid, (jid, queued) -> {
            java.util.Queue<Node> merged = new java.util.concurrent.ConcurrentLinkedQueue<>(unacknowledged);
            if (queued != null) {
                merged.addAll(queued);
            }
            while (merged.size() > MAX_QUEUED) {
                merged.poll();
            }
            return merged;
        });
        SandboxConnection current = online.get(deviceJid);
        if (current != null) {
            // The device already logged in again (a replaced stream): it gets them now.
            current.run(current.handlers::flushQueued);
        }
    }

    /** What waited for {@code deviceJid} while it was offline (removed). */
    List<Node> takeQueued(String deviceJid) {
        java.util.Queue<Node> queued = offlineQueue.remove(deviceJid);
        return queued == null ? List.of() : new ArrayList<>(queued);
    }

    void rememberSender(String messageId, String senderDeviceJid) {
        synchronized (senders) {
            senders.put(messageId, senderDeviceJid);
        }
    }

    String senderOf(String messageId) {
        synchronized (senders) {
            return senders.get(messageId);
        }
    }

    Pairing startPairing(SandboxConnection connection) {
        Pairing pairing = new Pairing(connection, options, now(), vertx);
        pairing.refs().forEach(ref -> pairingsByRef.put(ref, pairing));
        return pairing;
    }

    LinkedDevice link(PhonePairing phone, Registration registration) {
        LinkedDevice device = new LinkedDevice(phone.account.phone, phone.device, phone.deviceJid(), phone.lid(),
                registration, "android", phone.keyIndex);
        devices.put(device.deviceJid(), device);
        return device;
    }

    /** The device a login names, if it is linked and presents the noise key it registered with. */
    LinkedDevice loginAllowed(String phone, int device, byte[] noiseKey) {
        LinkedDevice linked = devices.get(LinkedDevice.deviceJid(phone, device));
        if (linked == null || !MessageDigest.isEqual(linked.registration().noiseKey(), noiseKey)) {
            return null;
        }
        return linked;
    }

    void codeRequested(SandboxConnection connection, String phone) {
        codeRequests.values().removeIf(waiting -> waiting == connection);
        codeRequests.put(phone, connection);
    }

    void online(SandboxConnection connection) {
        SandboxConnection previous = online.put(connection.device.deviceJid(), connection);
        if (previous != null && previous != connection) {
            // A second login of the same device replaces the first, as WhatsApp does.
            previous.run(() -> previous.closeWith(Stanzas.replaced()));
        }
    }

    void offline(SandboxConnection connection) {
        open.remove(connection);
        if (connection.device != null) {
            online.remove(connection.device.deviceJid(), connection);
        }
        pairingsByRef.values().removeIf(pairing -> pairing.connection == connection);
        codeRequests.values().removeIf(waiting -> waiting == connection);
    }

    void unlink(String deviceJid) {
        devices.remove(deviceJid);
        keys.forget(deviceJid);
    }

    int preKeyCount(String deviceJid) {
        return keys.oneTimeCount(deviceJid);
    }

    SandboxIdentity identity() {
        return identity;
    }

    WebVersionPolicy webVersions() {
        return webVersions;
    }

    SandboxOptions options() {
        return options;
    }

    Vertx vertx() {
        return vertx;
    }

    Instant now() {
        return clock.instant();
    }
}
