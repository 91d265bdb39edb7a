package io.switchboard.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.binary.NodeDecodeException;
import io.switchboard.protocol.binary.NodeDecoder;
import io.switchboard.protocol.binary.NodeEncoder;
import io.switchboard.protocol.binary.RandomNodes;
import io.switchboard.protocol.binary.TokenDictionary;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real Baileys releases judge our codec, each with its own dictionary version: token tables
 * entry by entry, and generated nodes through both encoders and both decoders.
 */
class NodeCodecInteropTest {

    static final int NODES_PER_DIRECTION = 1200;
    static final int BATCH = 100;

    @ParameterizedTest
    @EnumSource(Release.class)
    void tokenTablesEqualBaileys(Release release) {
        TokenDictionary ours = TokenDictionary.forVersion(release.dictionaryVersion);
        try (BaileysJudge judge = BaileysJudge.start(release)) {
            JsonNode theirs = judge.ask(BaileysJudge.request("tokens"));
            assertEquals(release.dictionaryVersion, theirs.get("version").asInt());
            JsonNode single = theirs.get("single");
            assertEquals(single.size(), ours.singleTokens().size(), "single-byte table size");
            for (int i = 0; i < single.size(); i++) {
                assertEquals(single.get(i).asText(), ours.singleTokens().get(i), "single-byte token " + i);
            }
            JsonNode pages = theirs.get("double");
            assertEquals(pages.size(), ours.doubleTokens().size(), "double-byte pages");
            for (int page = 0; page < pages.size(); page++) {
                assertEquals(pages.get(page).size(), ours.doubleTokens().get(page).size(), "page size " + page);
                for (int i = 0; i < pages.get(page).size(); i++) {
                    assertEquals(pages.get(page).get(i).asText(), ours.doubleTokens().get(page).get(i),
                            "double-byte token " + page + "/" + i);
                }
            }
        }
    }

    /** Baileys encodes → we decode → we re-encode: same bytes; Baileys decodes ours as we do. */
    @ParameterizedTest
    @EnumSource(Release.class)
    void baileysEncodedNodesSurviveOurCodec(Release release) throws NodeDecodeException {
        TokenDictionary dictionary = TokenDictionary.forVersion(release.dictionaryVersion);
        NodeDecoder decoder = new NodeDecoder(dictionary);
        NodeEncoder encoder = new NodeEncoder(dictionary);
        RandomNodes generator = new RandomNodes(dictionary, 0xBA11E5L + release.ordinal(), 2);
        try (BaileysJudge judge = BaileysJudge.start(release)) {
            for (int done = 0; done < NODES_PER_DIRECTION; done += BATCH) {
                List<Node> generated = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    generated.add(generator.node());
                }
                List<byte[]> theirFrames = encodeWithBaileys(judge, generated);
                List<byte[]> ourFrames = new ArrayList<>();
                List<Node> ourNodes = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    Node decoded = decoder.decodeFrame(theirFrames.get(i));
                    byte[] reencoded = encoder.encodeFrame(decoded);
                    assertArrayEquals(theirFrames.get(i), reencoded, () -> "re-encoding differs for " + decoded);
                    ourNodes.add(decoded);
                    ourFrames.add(reencoded);
                }
                List<JsonNode> theirDecoding = decodeWithBaileys(judge, ourFrames);
                for (int i = 0; i < BATCH; i++) {
                    assertEquals(theirDecoding.get(i), NodeJson.toJson(ourNodes.get(i)), "Baileys decodes differently");
                }
            }
        }
    }

    /** We encode → Baileys decodes as we do → Baileys re-encodes: same bytes. */
    @ParameterizedTest
    @EnumSource(Release.class)
    void ourEncodedNodesSurviveBaileys(Release release) throws NodeDecodeException {
        TokenDictionary dictionary = TokenDictionary.forVersion(release.dictionaryVersion);
        NodeDecoder decoder = new NodeDecoder(dictionary);
        NodeEncoder encoder = new NodeEncoder(dictionary);
        RandomNodes generator = new RandomNodes(dictionary, 0x5EED5L + release.ordinal(), 2);
        try (BaileysJudge judge = BaileysJudge.start(release)) {
            for (int done = 0; done < NODES_PER_DIRECTION; done += BATCH) {
                List<byte[]> ourFrames = new ArrayList<>();
                List<Node> ourDecoding = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    byte[] frame = encoder.encodeFrame(generator.node());
                    ourFrames.add(frame);
                    ourDecoding.add(decoder.decodeFrame(frame));
                }
                List<JsonNode> theirDecoding = decodeWithBaileys(judge, ourFrames);
                List<Node> theirNodes = new ArrayList<>();
                for (int i = 0; i < BATCH; i++) {
                    assertEquals(NodeJson.toJson(ourDecoding.get(i)), theirDecoding.get(i), "decoders disagree");
                    theirNodes.add(NodeJson.fromJson(theirDecoding.get(i)));
                }
                List<byte[]> theirFrames = encodeWithBaileys(judge, theirNodes);
                for (int i = 0; i < BATCH; i++) {
                    assertArrayEquals(ourFrames.get(i), theirFrames.get(i), "Baileys re-encodes differently");
                }
            }
        }
    }

    static List<byte[]> encodeWithBaileys(BaileysJudge judge, List<Node> nodes) {
        ObjectNode request = BaileysJudge.request("encode");
        ArrayNode array = request.putArray("nodes");
        nodes.forEach(node -> array.add(NodeJson.toJson(node)));
        List<byte[]> frames = new ArrayList<>();
        judge.ask(request).get("frames").forEach(f -> frames.add(Base64.getDecoder().decode(f.asText())));
        return frames;
    }

    static List<JsonNode> decodeWithBaileys(BaileysJudge judge, List<byte[]> frames) {
        ObjectNode request = BaileysJudge.request("decode");
        ArrayNode array = request.putArray("frames");
        frames.forEach(frame -> array.add(Base64.getEncoder().encodeToString(frame)));
        List<JsonNode> nodes = new ArrayList<>();
        judge.ask(request).get("nodes").forEach(nodes::add);
        return nodes;
    }
}
