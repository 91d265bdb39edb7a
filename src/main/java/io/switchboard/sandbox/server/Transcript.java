package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.proto.ClientPayload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What one client sent on one connection, from its ClientPayload to the last stanza, as shapes
 * that leave out what varies between runs (ids, keys, jids, timestamps): tag, the attributes that
 * say what a stanza is (type, xmlns, class, stage, reason) with their values, the names of the
 * others, and the children's shapes, a run of equal children written once with {@code *}.
 * Used to compare our client with the official ones against the same server.
 */
public final class Transcript {

    /** One connection's transcript as the admin API shows it. */
    public record View(String phone, String kind, List<String> stanzas) {
    }

    private static final Set<String> MEANINGFUL = Set.of("type", "xmlns", "class", "stage", "reason", "protocol");
    private static final int MAX_STANZAS = 200;
    private static final int MAX_DEPTH = 3;

    private final List<String> stanzas = new ArrayList<>();
    private String kind = "unknown";
    private String phone;

    synchronized void payload(ClientPayload payload) {
        kind = payload.hasDevicePairingData() ? "registration" : "login";
        if (payload.hasUsername()) {
            phone = Long.toUnsignedString(payload.getUsername());
        }
        TreeMap<String, Object> fields = new TreeMap<>();
        payload.getAllFields().forEach((field, value) -> fields.put(field.getName(), value));
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            Object value = field.getValue();
            boolean shown = value instanceof Boolean || value instanceof com.google.protobuf.Descriptors.EnumValueDescriptor;
            names.add(shown ? field.getKey() + "=" + value : field.getKey());
        }
        add("ClientPayload{" + String.join(",", names) + "}");
    }

    synchronized void phone(String linkedPhone) {
        phone = linkedPhone;
    }

    synchronized void received(Node node) {
        add(shape(node, 0));
    }

    private void add(String shape) {
        if (stanzas.size() < MAX_STANZAS) {
            stanzas.add(shape);
        }
    }

    synchronized View view() {
        return new View(phone, kind, List.copyOf(stanzas));
    }

    static String shape(Node node, int depth) {
        StringBuilder out = new StringBuilder(node.tag());
        List<String> attributes = new ArrayList<>();
        new TreeMap<>(node.attributes()).forEach((key, value) -> attributes.add(MEANINGFUL.contains(key) ? key + "=" + value : key));
        if (!attributes.isEmpty()) {
            out.append('[').append(String.join(",", attributes)).append(']');
        }
        List<Node> children = node.children();
        if (!children.isEmpty() && depth < MAX_DEPTH) {
            List<String> shapes = new ArrayList<>();
            for (Node child : children) {
                String childShape = shape(child, depth + 1);
                String last = shapes.isEmpty() ? null : shapes.get(shapes.size() - 1);
                if (last != null && (last.equals(childShape) || last.equals(childShape + "*"))) {
                    shapes.set(shapes.size() - 1, childShape + "*");
                } else {
                    shapes.add(childShape);
                }
            }
            out.append('{').append(String.join(" ", shapes)).append('}');
        } else if (node.bytes().isPresent()) {
            out.append(":bytes");
        }
        return out.toString();
    }
}
