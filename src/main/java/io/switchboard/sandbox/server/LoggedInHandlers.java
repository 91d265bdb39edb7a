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
    private boolean offlineSent;
    private long offlineTimer = -1;

    LoggedInHandlers(SandboxConnection connection, SandboxServer server) {
        this.connection = connection;
        this.server = server;
        this.iqTable = Map.ofEntries(
                Map.entry("get/w:p/ping", (iq, child) -> Stanzas.result(iq, List.of())),
                Map.entry("get/encrypt/count", (iq, child) -> Stanzas.result(iq, List.of(Node.of("count",
                        Stanzas.attrs("value", String.valueOf(server.preKeyCount(deviceJid()))))))),
                Map.entry("get/encrypt/digest", (iq, child) -> Stanzas.result(iq, List.of(digest()))),
                Map.entry("set/encrypt/registration", this::preKeyUpload),
                Map.entry("set/encrypt/rotate", (iq, child) -> Stanzas.result(iq, List.of())),
                Map.entry("set/passive/active", (iq, child) -> Stanzas.result(iq, List.of())),
                Map.entry("set/passive/passive", (iq, child) -> Stanzas.result(iq, List.of())),
                Map.entry("get/w/props", (iq, child) -> Stanzas.result(iq, List.of(Node.of("props",
                        Stanzas.attrs("protocol", "2", "hash", "sandbox"))))),
                Map.entry("get/blocklist/", (iq, child) -> Stanzas.result(iq, List.of(Node.of("list")))),
                Map.entry("get/privacy/privacy", (iq, child) -> Stanzas.result(iq, List.of(Node.of("privacy")))),
                Map.entry("set/urn:xmpp:whatsapp:dirty/clean", this::clean));
    }

    void onLogin() {
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
                server.offlineBatchMissing();
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
        connection.send(Node.withChildren("ib", Stanzas.attrs(), List.of(Node.of("offline", Stanzas.attrs("count", "0")))));
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
            case "receipt":
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
            default:
                // presence and acks need no answer
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
        String key = type + "/" + xmlns + "/" + (child == null ? "" : child.tag());
        BiFunction<Node, Node, Node> handler = iqTable.get(key);
        if (handler == null) {
            connection.send(Stanzas.error(iq, 501, "feature-not-implemented"));
            return;
        }
        connection.send(handler.apply(iq, child));
    }

    private Node preKeyUpload(Node iq, Node first) {
        long keys = iq.child("list").map(Node::children).orElse(List.of()).stream().filter(key -> "key".equals(key.tag())).count();
        if (keys == 0 || iq.child("identity").isEmpty() || iq.child("skey").isEmpty()) {
            return Stanzas.error(iq, 400, "bad-request");
        }
        server.addPreKeys(deviceJid(), (int) keys);
        return Stanzas.result(iq, List.of());
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
