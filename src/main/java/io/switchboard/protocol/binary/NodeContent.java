package io.switchboard.protocol.binary;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/** What a node carries after its attributes: nothing, child nodes, raw bytes or a string. */
public sealed interface NodeContent permits NodeContent.None, NodeContent.Children, NodeContent.Bytes, NodeContent.Text {

    NodeContent NONE = new None();

    record None() implements NodeContent {
    }

    record Children(List<Node> nodes) implements NodeContent {
        public Children {
            nodes = List.copyOf(nodes);
        }
    }

    /** Binary content; the array is copied in and out so the record stays immutable. */
    record Bytes(byte[] data) implements NodeContent {
        public Bytes {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        public int length() {
            return data.length;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Bytes && Arrays.equals(data, ((Bytes) other).data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Bytes[" + data.length + ": " + Base64.getEncoder().encodeToString(
                    data.length > 48 ? Arrays.copyOf(data, 48) : data) + (data.length > 48 ? "…" : "") + "]";
        }
    }

    /** Content that was encoded as a string (token, packed digits, JID or UTF-8). */
    record Text(String value) implements NodeContent {
        public Text {
            Objects.requireNonNull(value, "value");
        }
    }
}
