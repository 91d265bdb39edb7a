package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.binary.NodeContent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The stanzas the sandbox sends, built in one place. */
final class Stanzas {

    static final String SERVER = "@s.whatsapp.net";

    private Stanzas() {
    }

    static Map<String, String> attrs(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    static Node result(Node request, List<Node> children) {
        Map<String, String> attributes = attrs("from", SERVER, "type", "result", "id", request.attribute("id").orElse(""));
        return children.isEmpty() ? Node.of("iq", attributes) : Node.withChildren("iq", attributes, children);
    }

    static Node error(Node request, int code, String text) {
        return Node.withChildren("iq", attrs("from", SERVER, "type", "error", "id", request.attribute("id").orElse("")),
                List.of(Node.of("error", attrs("code", String.valueOf(code), "text", text))));
    }

    static Node streamError(int code) {
        return Node.of("stream:error", attrs("code", String.valueOf(code)));
    }

    static Node deviceRemoved() {
        return Node.withChildren("stream:error", attrs("code", "401"),
                List.of(Node.of("conflict", attrs("type", "device_removed"))));
    }

    static Node replaced() {
        return Node.withChildren("stream:error", Map.of(), List.of(Node.of("conflict", attrs("type", "replaced"))));
    }

    static Node companionRefresh() {
        return Node.withChildren("notification", attrs("from", SERVER, "type", "companion_reg_refresh",
                "id", String.valueOf(System.nanoTime() % 1_000_000_000L), "t", String.valueOf(System.currentTimeMillis() / 1000)),
                List.of(Node.of("companion_reg_refresh", attrs())));
    }

    static Node failure(int reason) {
        return Node.of("failure", attrs("reason", String.valueOf(reason), "location", "sandbox"));
    }

    static Node text(String tag, String value) {
        return new Node(tag, Map.of(), new NodeContent.Text(value));
    }

    /** A keepalive ping: {@code <iq type="get" xmlns="w:p">}. */
    static boolean isPing(Node node) {
        return "iq".equals(node.tag()) && "get".equals(node.attribute("type").orElse(""))
                && "w:p".equals(node.attribute("xmlns").orElse(""));
    }

    /** The {@code <link_code_companion_reg>} of a link-code request ({@code <iq type="set" xmlns="md">}), else null. */
    static Node linkCodeRequest(Node node) {
        if (!"iq".equals(node.tag()) || !"set".equals(node.attribute("type").orElse(""))
                || !"md".equals(node.attribute("xmlns").orElse(""))) {
            return null;
        }
        return node.child("link_code_companion_reg").orElse(null);
    }
}
