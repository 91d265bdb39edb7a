package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Answers a logged-in device: every iq gets a real answer or a proper error (never silence),
 * messages and receipts get acks. Dispatch by a table keyed on {@code type/xmlns/first child}.
 */
final class LoggedInHandlers {

    private final SandboxConnection connection;
    private final SandboxServer server;
    private static final java.time.Duration OFFLINE_BATCH_WAIT = java.time.Duration.ofSeconds(2);

    private final Map<String, BiFunction<Node, Node, Node>> iqTable;
    private final MessageRelay relay;
    private boolean offlineSent;
    private long offlineTimer = -1;
    // Keepalive watch (read by the admin API from other threads): when the device last pinged, its longest silence.
    private volatile long lastPingNanos = System.nanoTime();
    private volatile long longestSilenceNanos;
    private volatile long pings;

    LoggedInHandlers(SandboxConnection connection, SandboxServer server) {
        this.connection = connection;
        this.server = server;
        this.relay = new MessageRelay(connection, server);
        this.iqTable = Map.ofEntries(
                Map.entry("get/w:p/ping", this::ping),
                Map.entry("get/encrypt/count", (iq, child) -> Stanzas.result(iq, List.of(Node.of("count",
                        Stanzas.attrs("value", String.valueOf(server.preKeyCount(deviceJid()))))))),
                Map.entry("get/encrypt/digest", (iq, child) -> Stanzas.result(iq, List.of(digest()))),
                Map.entry("set/encrypt/registration", this::preKeyUpload),
                Map.entry("set/encrypt/rotate", this::rotate),
                Map.entry("set/passive/active", (iq, child) -> Stanzas.result(iq, List.of())),
                Map.entry("set/passive/passive", (iq, child) -> Stanzas.result(iq, List.of())),
                Map.entry("get/w/props", (iq, child) -> Stanzas.result(iq, List.of(Node.of("props",
                        Stanzas.attrs("protocol", "2", "hash", "sandbox"))))),
                Map.entry("get/abt/props", (iq, child) -> Stanzas.result(iq, List.of(Node.of("props",
                        Stanzas.attrs("protocol", "1", "hash", "sandbox"))))),
                // Baileys 7 hands out privacy tokens after a 1:1 send; the sandbox checks nothing about them.
                Map.entry("set/privacy/tokens", (iq, child) -> Stanzas.result(iq, List.of())),
                Map.entry("get/blocklist/", (iq, child) -> Stanzas.result(iq, List.of(Node.of("list")))),
                // WhatsApp's defaults: read receipts on (Baileys sends "read" rather than "read-self" only then).
                Map.entry("get/privacy/privacy", (iq, child) -> Stanzas.result(iq, List.of(Node.withChildren("privacy", Stanzas.attrs(),
                        List.of(category("readreceipts", "all"), category("last", "all"), category("online", "all"),
                                category("profile", "all"), category("status", "contacts"), category("groupadd", "all")))))),
                Map.entry("set/urn:xmpp:whatsapp:dirty/clean", this::clean),
                Map.entry("get/encrypt/key", this::bundles),
                Map.entry("get/usync/usync", this::usync),
                Map.entry("set/w:m/media_conn", this::mediaConn));
    }

    /** The media host and a fresh upload token; 503 while the host is not listening yet. */
    private Node mediaConn(Node iq, Node child) {
        try {
            return server.media().mediaConn(iq, server.now(), deviceJid());
        } catch (IllegalStateException e) {
            return Stanzas.error(iq, 503, "service-unavailable");
        }
    }

    private Node ping(Node iq, Node child) {
        long now = System.nanoTime();
        longestSilenceNanos = Math.max(longestSilenceNanos, now - lastPingNanos);
        lastPingNanos = now;
        pings++;
        return Stanzas.result(iq, List.of());
    }

    /** Keepalive pings received since login. */
    long pings() {
        return pings;
    }

    /** The longest time without a ping since login (the current silence included), in milliseconds. */
    long longestSilenceMillis(long nowNanos) {
        return Math.max(longestSilenceNanos, nowNanos - lastPingNanos) / 1_000_000;
    }

    void onLogin() {
        lastPingNanos = System.nanoTime();
        long now = server.now().getEpochSecond();
        connection.send(Node.of("success", Stanzas.attrs("t", String.valueOf(now), "props", "0", "abprops", "0",
                "location", "sandbox", "creation", String.valueOf(now), "lid", connection.device.lid())));
        // As WhatsApp does: a dirty bit to clean, then the offline queue's preview; the queue (empty
        // here) follows when the device asks for a batch.
        connection.send(Node.withChildren("ib", Stanzas.attrs(), List.of(Node.of("dirty",
                Stanzas.attrs("type", "account_sync", "timestamp", String.valueOf(now))))));
        connection.send(Node.withChildren("ib", Stanzas.attrs(), List.of(Node.of("offline_preview",
                Stanzas.attrs("count", "0", "message", "0", "notification", "0", "receipt", "0", "call", "0")))));
        offlineTimer = server.vertx().setTimer(OFFLINE_BATCH_WAIT.toMillis(), id -> connection.run(() -> {
            if (!offlineSent && connection.state() == SandboxConnection.State.CONNECTED) {
                // Official clients answer the preview at once; a device that does not still gets its queue, late.
                server.observations().offlineBatchMissing();
                sendOffline();
            }
        }));
    }

    private void sendOffline() {
        if (offlineSent) {
            return;
        }
        offlineSent = true;
        server.vertx().cancelTimer(offlineTimer);
        List<Node> queued = server.router().takeQueued(deviceJid());
        queued.forEach(connection::deliver);
        connection.send(Node.withChildren("ib", Stanzas.attrs(), List.of(Node.of("offline",
                Stanzas.attrs("count", String.valueOf(queued.size()))))));
    }

    /** Messages queued after this device's offline batch went out (handed back by a connection it replaced). */
    void flushQueued() {
        if (offlineSent && connection.state() == SandboxConnection.State.CONNECTED) {
            server.router().takeQueued(deviceJid()).forEach(connection::deliver);
        }
    }

    private Node clean(Node iq, Node child) {
        return child.attribute("type").isPresent() ? Stanzas.result(iq, List.of()) : Stanzas.error(iq, 400, "bad-request");
    }

    void handle(Node node) {
        switch (node.tag()) {
            case "iq":
                handleIq(node);
                return;
            case "message":
                relay.message(node);
                return;
            case "receipt":
                relay.receipt(node);
                connection.send(Node.of("ack", Stanzas.attrs("id", node.attribute("id").orElse(""),
                        "class", node.tag(), "from", Stanzas.SERVER)));
                return;
            case "notification":
            case "call":
                connection.send(Node.of("ack", Stanzas.attrs("id", node.attribute("id").orElse(""),
                        "class", node.tag(), "from", Stanzas.SERVER)));
                return;
            case "ib":
                if (node.child("offline_batch").isPresent()) {
                    sendOffline();
                }
                return;
            case "ack":
                if ("message".equals(node.attribute("class").orElse(""))) {
                    connection.unacked.message(node.attribute("id").orElse(""));
                } else if ("receipt".equals(node.attribute("class").orElse(""))) {
                    connection.unacked.receipt(node.attribute("id").orElse(""), node.attribute("type").orElse(""));
                }
                return;
            case "presence":
                server.presences.presence(connection.device.phone(), deviceJid(), node);
                return;
            case "chatstate":
                server.presences.chatstate(connection.device.phone(), node);
                return;
            default:
                // nothing to answer
        }
    }

    private void handleIq(Node iq) {
        String type = iq.attribute("type").orElse("");
        if ("result".equals(type) || "error".equals(type)) {
            return;
        }
        Node child = iq.children().isEmpty() ? null : iq.children().get(0);
        String xmlns = iq.attribute("xmlns").orElse("");
        if ("md".equals(xmlns) && child != null && "remove-companion-device".equals(child.tag())) {
            connection.send(Stanzas.result(iq, List.of()));
            server.unlink(deviceJid());
            connection.closeWith(Stanzas.deviceRemoved());
            return;
        }
        if ("w:g2".equals(xmlns)) {
            connection.send(server.groups().iq(connection.device.phone(), deviceJid(), iq));
            return;
        }
        String key = type + "/" + xmlns + "/" + (child == null ? "" : child.tag());
        BiFunction<Node, Node, Node> handler = iqTable.get(key);
        if (handler == null) {
            connection.send(Stanzas.error(iq, 501, "feature-not-implemented"));
            return;
        }
        connection.send(handler.apply(iq, child));
    }

    /** {@code <registration> <type> <identity> <list><key>…</list> <skey>}: stored in the key directory, checked first. */
    private Node preKeyUpload(Node iq, Node first) {
        byte[] registration = bytes(iq, "registration");
        byte[] type = bytes(iq, "type");
        byte[] identity = bytes(iq, "identity");
        Node skey = iq.child("skey").orElse(null);
        List<Node> listed = iq.child("list").map(Node::children).orElse(List.of());
        if (registration == null || registration.length != 4 || type == null || type.length != 1 || type[0] != 5
                || identity == null || identity.length != 32 || skey == null || listed.isEmpty()) {
            return Stanzas.error(iq, 400, "bad-request");
        }
        byte[] signedId = bytes(skey, "id");
        byte[] signedKey = bytes(skey, "value");
        byte[] signature = bytes(skey, "signature");
        if (signedId == null || signedId.length != 3 || signedKey == null || signedKey.length != 32 || signature == null
                || signature.length != 64 || !java.util.Arrays.equals(identity, connection.device.registration().identityKey())) {
            return Stanzas.error(iq, 400, "bad-request");
        }
        byte[] typedSigned = new byte[33];
        typedSigned[0] = 5;
        System.arraycopy(signedKey, 0, typedSigned, 1, 32);
        if (!io.switchboard.protocol.crypto.XEdDsa.verify(identity, typedSigned, signature)) {
            return Stanzas.error(iq, 406, "not-acceptable");
        }
        List<KeyDirectory.PreKey> oneTime = new java.util.ArrayList<>();
        for (Node key : listed) {
            byte[] id = bytes(key, "id");
            byte[] value = bytes(key, "value");
            if (!"key".equals(key.tag()) || id == null || id.length != 3 || value == null || value.length != 32) {
                return Stanzas.error(iq, 400, "bad-request");
            }
            oneTime.add(new KeyDirectory.PreKey(id, value));
        }
        server.keys().upload(deviceJid(), new KeyDirectory.DeviceKeys(ByteBuffer.wrap(registration).getInt(), identity,
                signedId, signedKey, signature), oneTime);
        return Stanzas.result(iq, List.of());
    }

    /**
     * {@code <rotate><skey><id/><value/><signature/></skey></rotate>}: the device's new signed
     * pre-key, checked against its registered identity, replaces the one bundles hand out.
     */
    private Node rotate(Node iq, Node rotate) {
        Node skey = rotate.child("skey").orElse(null);
        byte[] id = skey == null ? null : bytes(skey, "id");
        byte[] key = skey == null ? null : bytes(skey, "value");
        byte[] signature = skey == null ? null : bytes(skey, "signature");
        if (id == null || id.length != 3 || key == null || key.length != 32 || signature == null || signature.length != 64
                || !server.keys().has(deviceJid())) {
            return Stanzas.error(iq, 400, "bad-request");
        }
        byte[] typed = new byte[33];
        typed[0] = 5;
        System.arraycopy(key, 0, typed, 1, 32);
        if (!io.switchboard.protocol.crypto.XEdDsa.verify(connection.device.registration().identityKey(), typed, signature)) {
            return Stanzas.error(iq, 406, "not-acceptable");
        }
        server.keys().rotate(deviceJid(), id, key, signature);
        return Stanzas.result(iq, List.of());
    }

    /** Pre-key bundles: {@code <key><user jid/>…</key>} → {@code <list><user jid>…</user></list>}, each one-time key once. */
    private Node bundles(Node iq, Node key) {
        List<Node> users = new java.util.ArrayList<>();
        for (Node user : key.children()) {
            String jid = user.attribute("jid").orElse("");
            Node bundle = server.keys().bundle(jid, server.deviceJidOf(jid));
            server.preKeysTaken(server.deviceJidOf(jid));
            users.add(bundle != null ? bundle : Node.withChildren("user", Stanzas.attrs("jid", jid),
                    List.of(Node.of("error", Stanzas.attrs("code", "404", "text", "item-not-found")))));
        }
        return Stanzas.result(iq, List.of(Node.withChildren("list", Stanzas.attrs(), users)));
    }

    /** Device lists: the phone (device 0) and each linked device with its key index; the LID when asked for. */
    private Node usync(Node iq, Node usync) {
        Node query = usync.child("query").orElse(null);
        Node list = usync.child("list").orElse(null);
        if (query == null || list == null) {
            return Stanzas.error(iq, 400, "bad-request");
        }
        boolean wantsDevices = query.child("devices").isPresent();
        if (wantsDevices) {
            server.observations().deviceQueries.incrementAndGet();
        }
        boolean wantsLid = query.child("lid").isPresent();
        boolean wantsContact = query.child("contact").isPresent();
        List<Node> users = new java.util.ArrayList<>();
        for (Node user : list.children()) {
            Node asked = user.child("contact").orElse(null);
            if (wantsContact && asked != null) {
                users.add(contact(asked, wantsLid));
                continue;
            }
            String jid = user.attribute("jid").orElse("");
            Account account = server.existingAccount(server.phoneOf(jid));
            List<Node> children = new java.util.ArrayList<>();
            if (wantsDevices) {
                List<Node> deviceNodes = new java.util.ArrayList<>();
                if (account != null) {
                    deviceNodes.add(Node.of("device", Stanzas.attrs("id", "0")));
                    for (LinkedDevice linked : server.devicesOf(account.phone)) {
                        deviceNodes.add(Node.of("device", Stanzas.attrs("id", String.valueOf(linked.device()),
                                "key-index", String.valueOf(linked.keyIndex()))));
                    }
                }
                children.add(Node.withChildren("devices", Stanzas.attrs(), List.of(
                        Node.withChildren("device-list", Stanzas.attrs(), deviceNodes))));
            }
            if (wantsLid && account != null) {
                children.add(Node.of("lid", Stanzas.attrs("val", account.lidUser + "@lid")));
            }
            users.add(Node.withChildren("user", Stanzas.attrs("jid", jid), children));
        }
        return Stanzas.result(iq, List.of(Node.withChildren("usync", Stanzas.attrs("sid", usync.attribute("sid").orElse(""),
                "mode", usync.attribute("mode").orElse("query"), "context", usync.attribute("context").orElse("")),
                List.of(Node.withChildren("list", Stanzas.attrs(), users)))));
    }

    /**
     * The number check: a number as a person wrote it ({@code +55 11 8765-4321}) is WhatsApp's
     * account when one has exactly its digits, or (Brazil, mobile) the same number with or without
     * the ninth digit; then {@code type="in"} with the account's own jid (and LID), else {@code out}.
     */
    private Node contact(Node asked, boolean wantsLid) {
        String written = asked.text().orElse("");
        String digits = written.replaceAll("[^0-9]", "");
        Account account = digits.isEmpty() ? null : server.canonicalAccount(digits);
        if (account == null) {
            return Node.withChildren("user", Stanzas.attrs("jid", (digits.isEmpty() ? "0" : digits) + Stanzas.SERVER),
                    List.of(Node.withBytes("contact", Stanzas.attrs("type", "out"), written.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        }
        List<Node> children = new java.util.ArrayList<>(List.of(Node.withBytes("contact", Stanzas.attrs("type", "in"),
                written.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        if (wantsLid) {
            children.add(Node.of("lid", Stanzas.attrs("val", account.lidUser + "@lid")));
        }
        return Node.withChildren("user", Stanzas.attrs("jid", account.phone + Stanzas.SERVER), children);
    }

    private static Node category(String name, String value) {
        return Node.of("category", Stanzas.attrs("name", name, "value", value));
    }

    private static byte[] bytes(Node parent, String tag) {
        return parent.child(tag).flatMap(Node::bytes).orElse(null);
    }

    private Node digest() {
        Registration registration = connection.device.registration();
        return Node.withChildren("digest", Stanzas.attrs(), List.of(
                Node.withBytes("registration", Stanzas.attrs(), ByteBuffer.allocate(4).putInt(registration.registrationId()).array()),
                Node.withBytes("type", Stanzas.attrs(), new byte[] {5}),
                Node.withBytes("identity", Stanzas.attrs(), registration.identityKey()),
                Node.withChildren("skey", Stanzas.attrs(), List.of(
                        Node.withBytes("id", Stanzas.attrs(), registration.signedPreKeyId()),
                        Node.withBytes("value", Stanzas.attrs(), registration.signedPreKey()),
                        Node.withBytes("signature", Stanzas.attrs(), registration.signedPreKeySignature())))));
    }

    private String deviceJid() {
        return connection.device.deviceJid();
    }
}
