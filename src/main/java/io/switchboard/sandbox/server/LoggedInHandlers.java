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
    private final Map<String, BiFunction<Node, Node, Node>> iqTable;

    LoggedInHandlers(SandboxConnection connection, SandboxServer server) {
        this.connection = connection;
        this.server = server;
        this.iqTable = Map.of(
                "get/w:p/ping", (iq, child) -> Stanzas.result(iq, List.of()),
                "get/encrypt/count", (iq, child) -> Stanzas.result(iq, List.of(Node.of("count",
                        Stanzas.attrs("value", String.valueOf(server.preKeyCount(deviceJid())))))),
                "get/encrypt/digest", (iq, child) -> Stanzas.result(iq, List.of(digest())),
                "set/encrypt/registration", this::preKeyUpload,
                "set/encrypt/rotate", (iq, child) -> Stanzas.result(iq, List.of()),
                "set/passive/active", (iq, child) -> Stanzas.result(iq, List.of()),
                "set/passive/passive", (iq, child) -> Stanzas.result(iq, List.of()),
                "get/w/props", (iq, child) -> Stanzas.result(iq, List.of(Node.of("props",
                        Stanzas.attrs("protocol", "2", "hash", "sandbox")))),
                "get/blocklist/", (iq, child) -> Stanzas.result(iq, List.of(Node.of("list"))),
                "get/privacy/privacy", (iq, child) -> Stanzas.result(iq, List.of(Node.of("privacy"))));
    }

    void onLogin() {
        long now = server.now().getEpochSecond();
        connection.send(Node.of("success", Stanzas.attrs("t", String.valueOf(now), "props", "0", "abprops", "0",
                "location", "sandbox", "creation", String.valueOf(now), "lid", connection.device.lid())));
        connection.send(Node.withChildren("ib", Stanzas.attrs(), List.of(Node.of("offline", Stanzas.attrs("count", "0")))));
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
            default:
                // presence, ib (telemetry) and acks need no answer
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
