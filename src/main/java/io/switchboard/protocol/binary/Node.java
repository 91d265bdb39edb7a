package io.switchboard.protocol.binary;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A WhatsApp stanza: tag, attributes in wire order, and content. Attribute values are the
 * strings the references use (a JID attribute reads as its text form, see {@link Jid}).
 */
public record Node(String tag, Map<String, String> attributes, NodeContent content) {

    public Node {
        Objects.requireNonNull(tag, "tag");
        if (tag.isEmpty()) {
            throw new IllegalArgumentException("tag must not be empty");
        }
        Map<String, String> copy = new LinkedHashMap<>();
        attributes.forEach((key, value) -> copy.put(Objects.requireNonNull(key, "attribute key"),
                Objects.requireNonNull(value, () -> "attribute " + key)));
        attributes = Collections.unmodifiableMap(copy);
        Objects.requireNonNull(content, "content");
    }

    public static Node of(String tag) {
        return new Node(tag, Map.of(), NodeContent.NONE);
    }

    public static Node of(String tag, Map<String, String> attributes) {
        return new Node(tag, attributes, NodeContent.NONE);
    }

    public static Node withChildren(String tag, Map<String, String> attributes, List<Node> children) {
        return new Node(tag, attributes, new NodeContent.Children(children));
    }

    public static Node withBytes(String tag, Map<String, String> attributes, byte[] bytes) {
        return new Node(tag, attributes, new NodeContent.Bytes(bytes));
    }

    public Optional<String> attribute(String key) {
        return Optional.ofNullable(attributes.get(key));
    }

    /** The child nodes, or an empty list when the content is not a list. */
    public List<Node> children() {
        return content instanceof NodeContent.Children ? ((NodeContent.Children) content).nodes() : List.of();
    }

    public Optional<Node> child(String childTag) {
        return children().stream().filter(child -> child.tag.equals(childTag)).findFirst();
    }

    /** Text content, or binary content read as UTF-8; empty when the content is something else. */
    public Optional<String> text() {
        if (content instanceof NodeContent.Text text) {
            return Optional.of(text.value());
        }
        return bytes().map(data -> new String(data, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Binary content, or empty when the content is something else. */
    public Optional<byte[]> bytes() {
        return content instanceof NodeContent.Bytes
                ? Optional.of(((NodeContent.Bytes) content).data())
                : Optional.empty();
    }
}
