package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sandbox's router: hands stanzas to devices (now if online, else from the offline queue at
 * their next login), applies armed faults, keeps what a device has not acknowledged, cuts the
 * network of a device on request, and acts for the simulated phones (they write and read).
 */
public final class Router {

    private static final System.Logger LOG = System.getLogger(Router.class.getName());

    private final SandboxServer server;
    final Faults faults = new Faults();
    /** Devices whose network is down: their logins are cut. */
    final java.util.Set<String> unreachable = ConcurrentHashMap.newKeySet();
    final Map<String, java.util.Queue<Node>> offlineQueue = new ConcurrentHashMap<>();
    /** Per offline device: beyond this the oldest waiting message is dropped (a device gone for good must not grow the heap). */
    static final int MAX_QUEUED = 10_000;
    final Map<String, String> senders = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 100_000;
        }
    };

    Router(SandboxServer server) {
        this.server = server;
    }

    /**
     * The device loses its network: its connection is cut and every login of it is cut too, until
     * {@link #networkUp}; messages and receipts for it wait in its offline queue meanwhile.
     */
    public Future<Void> networkDown(String deviceJid) {
        if (!server.devices.containsKey(deviceJid)) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, "no such device"));
        }
        unreachable.add(deviceJid);
        SandboxConnection connection = server.online.get(deviceJid);
        if (connection != null) {
            connection.run(connection::cut);
        }
        return Future.succeededFuture();
    }

    /** The device's network is back: its next login goes through. */
    public Future<Void> networkUp(String deviceJid) {
        if (!server.devices.containsKey(deviceJid)) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, "no such device"));
        }
        unreachable.remove(deviceJid);
        return Future.succeededFuture();
    }

    /** Whether the device's network is down ({@link #networkDown}). */
    boolean unreachable(String deviceJid) {
        return unreachable.contains(deviceJid);
    }

    /**
     * Makes the next {@code count} 1:1 messages delivered to a linked device of {@code phone} arrive
     * {@code corrupt} (a flipped byte in the Signal MAC) or
     * {@code duplicate} (delivered twice): what a client does about it is the test.
     */
    public Future<Void> injectFault(String phone, String kind, int count) {
        if (phone == null || !server.PHONE.matcher(phone).matches() || count < 1 || count > 100
                || !(Faults.CORRUPT.equals(kind) || Faults.DUPLICATE.equals(kind))) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST,
                    "phone (7 to 16 digits), kind (corrupt or duplicate) and count (1 to 100) are required"));
        }
        faults.arm(phone, kind, count);
        return Future.succeededFuture();
    }

    /**
     * Hands {@code message} to {@code deviceJid} now if server.online, else at its next login (before the
     * offline mark). A fault armed for the device's phone applies to 1:1 messages ({@link #injectFault}).
     */
    void deliver(String deviceJid, Node message) {
        Node delivered = message;
        if ("message".equals(message.tag()) && server.devices.containsKey(deviceJid)) {
            String fault = faults.take(server.phoneOf(deviceJid), message);
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

    void handOver(String deviceJid, Node message) {
        Account phone = phoneAt(deviceJid);
        if (phone != null) {
            toPhone(phone, message);
            return;
        }
        SandboxConnection connection = server.online.get(deviceJid);
        if (connection != null) {
            connection.run(() -> {
                if (connection.state() == SandboxConnection.State.CONNECTED) {
                    connection.deliver(message);
                } else {
                    queue(deviceJid, message);
                }
            });
        } else if (server.devices.containsKey(deviceJid)) {
            queue(deviceJid, message);
        }
    }

    /** The account whose phone (device 0) {@code deviceJid} names, if any. */
    Account phoneAt(String deviceJid) {
        String device = server.deviceJidOf(deviceJid);
        return device.endsWith(":0" + Stanzas.SERVER) ? server.accounts.get(server.phoneOf(device)) : null;
    }

    /** The phone reads a message (and answers with its receipt) or records a receipt for one of its own. */
    void toPhone(Account phone, Node stanza) {
        if ("receipt".equals(stanza.tag())) {
            phone.party.receipt(stanza.attribute("id").orElse(""), stanza.attribute("from").orElse(""),
                    stanza.attribute("type").orElse(""));
            return;
        }
        if (!"message".equals(stanza.tag())) {
            return;
        }
        String from = stanza.attribute("from").orElse("");
        if (from.endsWith(Groups.SERVER)) {
            // The phone knows its peers by number: the sending device as its phone-number jid.
            Map<String, String> attrs = new java.util.LinkedHashMap<>(stanza.attributes());
            String participant = attrs.getOrDefault("participant", "");
            attrs.put("participant", server.toPhoneNumberJid(participant));
            Node answer = phone.party.receive(Node.withChildren("message", attrs, stanza.children()), server.media());
            if (answer != null) {
                Map<String, String> receipt = new java.util.LinkedHashMap<>(answer.attributes());
                receipt.put("participant", participant);
                String type = receipt.getOrDefault("type", "");
                server.groupRelay().receipt(phone.party.deviceJid(), Node.withChildren("receipt", receipt, answer.children()),
                        List.of(receipt.getOrDefault("id", "")), type);
            }
            return;
        }
        Node answer = phone.party.receive(stanza, server.media());
        if (answer != null && !from.isEmpty()) {
            deliver(server.deviceJidOf(from), answer);
        }
    }

    /**
     * The phone of {@code phone} writes {@code text} to {@code to}: to every device of the recipient
     * (phone and companions) and a copy to each of its own companions; answers the message id.
     */
    public Future<String> phoneWrites(String phone, String to, String text) {
        if (text == null || text.isEmpty() || text.length() > 65_536) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST,
                    "phone and to (7 to 16 digits) and a text of 1 to 65,536 characters are required"));
        }
        if (to != null && to.endsWith(Groups.SERVER) && phone != null && server.PHONE.matcher(phone).matches()) {
            return phoneWritesToGroup(phone, to, text);
        }
        return phoneWrites(phone, to, PhoneParty.PlainMessage.textBody(text), null, text);
    }

    /** A file the phone sends: kept here (encrypted as WhatsApp does, by the phone's own code) and sent like a text. */
    public Future<String> phoneSendsFile(String phone, String to, String kind, byte[] file, String mimetype, String caption,
            String fileName) {
        if (kind == null || !java.util.Set.of("image", "video", "audio", "voice", "document", "sticker").contains(kind)
                || file == null || file.length == 0 || mimetype == null || mimetype.isBlank()) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST,
                    "a kind (image, video, audio, voice, document, sticker), the file and its mimetype are required"));
        }
        if (phone == null || !server.PHONE.matcher(phone).matches()) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST, "phone: 7 to 16 digits"));
        }
        MediaCheck.Sealed sealed = MediaCheck.seal(kind, file);
        MediaHost.Blob kept = server.media().store("voice".equals(kind) ? "ptt" : kind, sealed.blob(), phone + "@s.whatsapp.net");
        String url = "https://" + server.media().hostname() + kept.directPath() + "&mms3=true";
        byte[] body = PhoneParty.PlainMessage.mediaBody(kind, sealed, url, kept.directPath(), mimetype, caption, fileName);
        return phoneWrites(phone, to, body, "voice".equals(kind) ? "ptt" : kind, caption != null ? caption : "[" + kind + "]");
    }

    /**
     * The phone of {@code phone} writes {@code text} to the group {@code groupJid}: encrypted by the
     * phone with its sender key, then fanned out as any member's message; answers the message id.
     */
    private Future<String> phoneWritesToGroup(String phone, String groupJid, String text) {
        Groups.Snapshot group = server.groups().snapshot(groupJid).orElse(null);
        if (group == null || !group.members().containsKey(phone)) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST, phone + " is not in " + groupJid));
        }
        Account sender = server.account(phone);
        String own = LinkedDevice.deviceJid(phone, 0);
        List<String> devices = new ArrayList<>();
        for (String member : group.members().keySet()) {
            devices.add(LinkedDevice.deviceJid(member, 0));
            server.devicesOf(member).stream().map(LinkedDevice::deviceJid).filter(server.keys::has).forEach(devices::add);
        }
        devices.remove(own);
        Map<String, io.switchboard.protocol.signal.PreKeyBundle> bundles = bundlesFor(sender, devices);
        String id = PhoneParty.newMessageId();
        Node stanza;
        try {
            stanza = sender.party.writeToGroup(id, group.jid(), devices, bundles, PhoneParty.PlainMessage.textBody(text), text);
        } catch (SandboxException e) {
            return Future.failedFuture(e);
        }
        Node ack = server.groupRelay().message(own, stanza);
        return ack.attribute("error").isPresent() ? Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST,
                "the group refused the phone's message: error " + ack.attribute("error").get())) : Future.succeededFuture(id);
    }

    /** A bundle (its one-time key taken, as WhatsApp hands them out) for each of {@code devices} the phone has no session with. */
    private Map<String, io.switchboard.protocol.signal.PreKeyBundle> bundlesFor(Account sender, List<String> devices) {
        Map<String, io.switchboard.protocol.signal.PreKeyBundle> bundles = new java.util.HashMap<>();
        for (String device : devices) {
            if (!sender.party.hasSession(device)) {
                io.switchboard.protocol.signal.PreKeyBundle bundle = server.keys.takeBundle(device);
                if (bundle != null) {
                    bundles.put(device, bundle);
                }
                server.preKeysTaken(device);
            }
        }
        return bundles;
    }

    private Future<String> phoneWrites(String phone, String to, byte[] body, String mediaType, String shown) {
        if (phone == null || !server.PHONE.matcher(phone).matches() || to == null || !server.PHONE.matcher(to).matches()) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST,
                    "phone and to (7 to 16 digits) and a text of 1 to 65,536 characters are required"));
        }
        Account recipient = server.accounts.get(to);
        if (recipient == null) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, to + " is not on WhatsApp"));
        }
        Account sender = server.account(phone);
        List<String> recipientDevices = new ArrayList<>(List.of(LinkedDevice.deviceJid(to, 0)));
        server.devicesOf(to).stream().map(LinkedDevice::deviceJid).filter(server.keys::has).forEach(recipientDevices::add);
        List<String> ownDevices = new ArrayList<>();
        server.devicesOf(phone).stream().map(LinkedDevice::deviceJid).filter(server.keys::has).forEach(ownDevices::add);
        List<String> all = new ArrayList<>(recipientDevices);
        all.addAll(ownDevices);
        Map<String, io.switchboard.protocol.signal.PreKeyBundle> bundles = bundlesFor(sender, all);
        String id = PhoneParty.newMessageId();
        Map<String, Node> messages;
        try {
            messages = sender.party.write(id, to, recipientDevices, ownDevices, bundles, body, mediaType, shown,
                    server.now().getEpochSecond());
        } catch (SandboxException e) {
            return Future.failedFuture(e);
        }
        rememberSender(id, sender.party.deviceJid());
        messages.forEach(this::deliver);
        return Future.succeededFuture(id);
    }

    /** The person reads texts {@code ids} on the phone of {@code phone}: a read receipt goes to each sender. */
    public Future<Integer> phoneReads(String phone, List<String> ids) {
        Account account = server.accounts.get(phone);
        if (account == null || ids == null || ids.isEmpty()) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST, "a known phone and message ids are required"));
        }
        Map<String, String> senders = account.party.sendersOf(ids);
        senders.forEach((id, from) -> deliver(server.deviceJidOf(from), Node.of("receipt", Stanzas.attrs("from", account.party.deviceJid(),
                "id", id, "type", "read", "t", String.valueOf(server.now().getEpochSecond())))));
        return Future.succeededFuture(senders.size());
    }

    /** The person types ({@code composing}) or stops ({@code paused}) in the chat with {@code to}; false when either is unknown. */
    public boolean phoneTypes(String phone, String to, String state) {
        if (server.accounts.get(phone) == null || to == null || server.accounts.get(to) == null
                || !java.util.List.of("composing", "paused").contains(state)) {
            return false;
        }
        server.presences.chatstate(phone, Node.withChildren("chatstate", Stanzas.attrs("to", to + Stanzas.SERVER),
                java.util.List.of(Node.of(state))));
        return true;
    }

    /** The files on the phone of {@code phone} are deleted (or restored); false when there is no such account. */
    public boolean phoneFilesDeleted(String phone, boolean deleted) {
        Account account = server.accounts.get(phone);
        if (account == null) {
            return false;
        }
        account.party.filesDeleted(deleted);
        return true;
    }

    /** What the phone of {@code phone} received and read (or could not), oldest first. */
    public List<PhoneParty.Received> phoneReceived(String phone) {
        Account account = server.accounts.get(phone);
        return account == null ? List.of() : account.party.received();
    }

    /** What the phone of {@code phone} sent, with the receipts that came back. */
    public List<PhoneParty.Sent> phoneSent(String phone) {
        Account account = server.accounts.get(phone);
        return account == null ? List.of() : account.party.sent();
    }

    void queue(String deviceJid, Node message) {
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
        if (!server.devices.containsKey(deviceJid)) {
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
        SandboxConnection current = server.online.get(deviceJid);
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
}
