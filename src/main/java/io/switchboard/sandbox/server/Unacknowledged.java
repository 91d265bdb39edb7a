package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one connection handed its device and the device has not acknowledged yet, in delivery
 * order: messages by id and receipts by id and type. A device that goes away first gets them again
 * at its next login (a sender killed right after its text left would otherwise never learn it was delivered).
 */
final class Unacknowledged {

    private final Map<String, Node> waiting = new LinkedHashMap<>();

    /** {@code stanza} was handed to the device: kept if it is a message or a receipt. */
    void handedOver(Node stanza) {
        String id = stanza.attribute("id").orElse("");
        if ("message".equals(stanza.tag())) {
            waiting.put(id, stanza);
        } else if ("receipt".equals(stanza.tag())) {
            waiting.put(receiptKey(id, stanza.attribute("type").orElse("")), stanza);
        }
    }

    /** The device acknowledged message {@code id}: WhatsApp forgets it. */
    void message(String id) {
        waiting.remove(id);
    }

    /** The device acknowledged a receipt ({@code id} and {@code type} as the receipt carried them). */
    void receipt(String id, String type) {
        waiting.remove(receiptKey(id, type));
    }

    /** Everything still waiting, oldest first; forgotten here. */
    List<Node> takeAll() {
        List<Node> all = List.copyOf(waiting.values());
        waiting.clear();
        return all;
    }

    private static String receiptKey(String id, String type) {
        return "receipt/" + id + "/" + type;
    }
}
