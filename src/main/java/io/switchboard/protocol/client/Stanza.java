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

    static Node result(Node request) {
        return Node.of("iq", attrs("to", SERVER, "type", "result", "id", request.attribute("id").orElse("")));
    }

    static Node error(Node request, int code, String text) {
        return Node.withChildren("iq", attrs("to", SERVER, "type", "error", "id", request.attribute("id").orElse("")),
                List.of(Node.of("error", attrs("code", String.valueOf(code), "text", text))));
    }
}
