package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Faults armed by the admin API for the next 1:1 messages to a phone's devices: what a flaky network or server does. */
final class Faults {

    static final String CORRUPT = "corrupt";
    static final String DUPLICATE = "duplicate";

    private final Map<String, Deque<String>> armed = new HashMap<>();

    synchronized void arm(String phone, String kind, int count) {
        Deque<String> queue = armed.computeIfAbsent(phone, p -> new ArrayDeque<>());
        for (int i = 0; i < count; i++) {
            queue.add(kind);
        }
    }

    /** The fault to apply to {@code message} for a device of {@code phone}, consumed; null for none. */
    synchronized String take(String phone, Node message) {
        Deque<String> queue = armed.get(phone);
        if (queue == null || queue.isEmpty()) {
            return null;
        }
        String kind = queue.poll();
        if (queue.isEmpty()) {
            armed.remove(phone);
        }
        return kind;
    }

    /**
     * The message with a byte of its Signal MAC flipped: the last byte of a {@code msg}; in a
     * {@code pkmsg}, the last byte of the Signal message it carries (protobuf field 4), so no key id changes.
     */
    static Node corrupted(Node message) {
        List<Node> children = message.children().stream().map(child -> {
            if (!"enc".equals(child.tag()) || child.bytes().isEmpty()) {
                return child;
            }
            byte[] bytes = child.bytes().get().clone();
            int last = "pkmsg".equals(child.attribute("type").orElse("")) ? innerMessageEnd(bytes) : bytes.length;
            if (last > 0) {
                bytes[last - 1] ^= 0x5a;
            }
            return Node.withBytes("enc", child.attributes(), bytes);
        }).toList();
        return Node.withChildren(message.tag(), message.attributes(), children);
    }

    /** Where field 4 (the Signal message) of a PreKeySignalMessage ends: version byte, then protobuf; -1 if absent. */
    private static int innerMessageEnd(byte[] bytes) {
        ProtoFields fields = new ProtoFields(bytes, 1, bytes.length);
        try {
            while (fields.more()) {
                if (fields.field() == 4 && fields.wire() == 2) {
                    return fields.bytes()[1];
                }
                fields.skip();
            }
        } catch (SandboxProtocolException e) {
            return -1;
        }
        return -1;
    }
}
