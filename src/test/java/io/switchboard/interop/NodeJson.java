package io.switchboard.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.binary.NodeContent;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Our {@link Node} in the judge's JSON form: ordered attribute pairs, content as children, bytes or text. */
public final class NodeJson {

    private NodeJson() {
    }

    public static ObjectNode toJson(Node node) {
        ObjectNode json = BaileysJudge.json().createObjectNode();
        json.put("tag", node.tag());
        ArrayNode attrs = json.putArray("attrs");
        node.attributes().forEach((k, v) -> attrs.addArray().add(k).add(v));
        NodeContent content = node.content();
        if (content instanceof NodeContent.Children) {
            ArrayNode children = json.putObject("content").putArray("children");
            for (Node child : node.children()) {
                children.add(toJson(child));
            }
        } else if (content instanceof NodeContent.Bytes) {
            json.putObject("content").put("bytes", Base64.getEncoder().encodeToString(node.bytes().orElseThrow()));
        } else if (content instanceof NodeContent.Text) {
            json.putObject("content").put("text", ((NodeContent.Text) content).value());
        } else {
            json.putNull("content");
        }
        return json;
    }

    public static Node fromJson(JsonNode json) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (JsonNode pair : json.get("attrs")) {
            attributes.put(pair.get(0).asText(), pair.get(1).asText());
        }
        JsonNode content = json.get("content");
        if (content == null || content.isNull()) {
            return Node.of(json.get("tag").asText(), attributes);
        }
        if (content.has("children")) {
            List<Node> children = new ArrayList<>();
            for (Iterator<JsonNode> it = content.get("children").elements(); it.hasNext(); ) {
                children.add(fromJson(it.next()));
            }
            return Node.withChildren(json.get("tag").asText(), attributes, children);
        }
        if (content.has("bytes")) {
            return Node.withBytes(json.get("tag").asText(), attributes,
                    Base64.getDecoder().decode(content.get("bytes").asText()));
        }
        return new Node(json.get("tag").asText(), attributes, new NodeContent.Text(content.get("text").asText()));
    }
}
