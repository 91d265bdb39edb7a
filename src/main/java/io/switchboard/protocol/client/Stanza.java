package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for the stanzas the client sends. */
final class Stanza {

    static final String SERVER = "@s.whatsapp.net";

    private Stanza() {
    }

    static Map<String, String> attrs(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    static Node iq(String id, String type, String xmlns, Node child) {
        return Node.withChildren("iq", attrs("id", id, "to", SERVER, "type", type, "xmlns", xmlns), List.of(child));
    }

    /**
     * The ack for a message, receipt, notification or call, as the official clients send it: id,
     * to, class, and the sender's participant and recipient; type too, except on a message (there
     * only with an {@code unavailable} child), as Baileys 6 does.
     */
    static Node ack(Node stanza) {
        Map<String, String> attrs = attrs("id", stanza.attribute("id").orElse(""),
                "to", stanza.attribute("from").orElse(SERVER), "class", stanza.tag());
        stanza.attribute("participant").ifPresent(value -> attrs.put("participant", value));
        stanza.attribute("recipient").ifPresent(value -> attrs.put("recipient", value));
        boolean typed = !"message".equals(stanza.tag()) || stanza.child("unavailable").isPresent();
        stanza.attribute("type").filter(type -> typed && !type.isEmpty()).ifPresent(value -> attrs.put("type", value));
        return Node.of("ack", attrs);
    }

    static Node result(Node request) {
        return Node.of("iq", attrs("to", SERVER, "type", "result", "id", request.attribute("id").orElse("")));
    }

    static Node error(Node request, int code, String text) {
        return Node.withChildren("iq", attrs("to", SERVER, "type", "error", "id", request.attribute("id").orElse("")),
                List.of(Node.of("error", attrs("code", String.valueOf(code), "text", text))));
    }
}
