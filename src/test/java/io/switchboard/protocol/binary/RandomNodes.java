package io.switchboard.protocol.binary;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Seeded generator of nodes covering every string and content class: tokens of both kinds,
 * nibble- and hex-packed strings, JIDs of every form both references write, raw ASCII and
 * Unicode strings, binary content of all three size classes, nested children.
 */
public final class RandomNodes {

    /**
     * Strings that JavaScript objects inherit: the references look tokens up in a plain object,
     * so these would read as tokens there. Not WhatsApp strings; left out.
     */
    private static final Set<String> INHERITED_NAMES = Set.of("constructor", "hasOwnProperty", "isPrototypeOf",
            "propertyIsEnumerable", "toLocaleString", "toString", "valueOf", "__proto__", "__defineGetter__",
            "__defineSetter__", "__lookupGetter__", "__lookupSetter__");
    private static final String UNICODE = "héllo wörld → ✓ 日本語 🙂 ";

    private final Random random;
    private final List<String> singles;
    private final List<String> doubles;
    private final int version;
    private int bigBinariesLeft;

    public RandomNodes(TokenDictionary dictionary, long seed, int bigBinaries) {
        this.random = new Random(seed);
        this.version = dictionary.version();
        this.singles = usable(dictionary.singleTokens().subList(1, dictionary.singleTokens().size()));
        List<String> all = new ArrayList<>();
        dictionary.doubleTokens().forEach(all::addAll);
        this.doubles = usable(all);
        this.bigBinariesLeft = bigBinaries;
    }

    private static List<String> usable(List<String> tokens) {
        List<String> out = new ArrayList<>();
        for (String token : tokens) {
            if (!token.isEmpty() && !INHERITED_NAMES.contains(token)) {
                out.add(token);
            }
        }
        return out;
    }

    public Node node() {
        return node(1);
    }

    private Node node(int depth) {
        String tag = random.nextInt(4) == 0 ? word() : token();
        Map<String, String> attributes = new LinkedHashMap<>();
        int count = random.nextInt(6);
        for (int i = 0; i < count; i++) {
            attributes.put(key(), value());
        }
        switch (random.nextInt(depth >= 4 ? 3 : 5)) {
            case 0:
                return Node.of(tag, attributes);
            case 1:
                return Node.withBytes(tag, attributes, bytes());
            case 2:
                return new Node(tag, attributes, new NodeContent.Text(nonEmptyValue()));
            default:
                List<Node> children = new ArrayList<>();
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    children.add(node(depth + 1));
                }
                return Node.withChildren(tag, attributes, children);
        }
    }

    /** Attribute keys: never numeric (JavaScript objects would reorder those). */
    private String key() {
        String key = random.nextBoolean() ? token() : word();
        return key.chars().allMatch(Character::isDigit) ? "k" + key : key;
    }

    private String token() {
        return random.nextInt(3) == 0 ? pick(doubles) : pick(singles);
    }

    private String word() {
        int length = 1 + random.nextInt(12);
        StringBuilder text = new StringBuilder("x");
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private String nonEmptyValue() {
        String value = value();
        return value.isEmpty() ? "x" : value;
    }

    public String value() {
        switch (random.nextInt(12)) {
            case 0: return token();
            case 1: return pick(doubles);
            case 2: return digits(1 + random.nextInt(20)) + (random.nextBoolean() ? "" : "." + digits(3) + "-" + digits(2));
            case 3: return hex(1 + random.nextInt(40));
            case 4: return jid();
            case 5: return jid();
            case 6: return ascii(1 + random.nextInt(60));
            case 7: return UNICODE.substring(random.nextInt(10));
            case 8: return ascii(200 + random.nextInt(400));
            case 9: return "";
            case 10: return digits(128 + random.nextInt(10));
            default: return word();
        }
    }

    /** JIDs in the forms the references write and read back unchanged. */
    private String jid() {
        String phone = digits(11 + random.nextInt(3));
        int device = 1 + random.nextInt(99);
        switch (random.nextInt(version >= 3 ? 10 : 8)) {
            case 0: return phone + "@s.whatsapp.net";
            case 1: return phone + ":" + device + "@s.whatsapp.net";
            case 2: return digits(15) + ":" + device + "@lid";
            case 3: return digits(15) + "@lid";
            case 4: return phone + "-" + digits(10) + "@g.us";
            case 5: return "@s.whatsapp.net";
            case 6: return digits(18) + "@newsletter";
            case 7: return word() + "@" + word();
            case 8: return phone + ":" + device + "@hosted";
            default: return digits(15) + ":" + device + "@hosted.lid";
        }
    }

    private byte[] bytes() {
        int size;
        int sizeClass = random.nextInt(10);
        if (bigBinariesLeft > 0 && sizeClass == 0) {
            bigBinariesLeft--;
            size = (1 << 20) + random.nextInt(4096);
        } else if (sizeClass < 3) {
            size = 256 + random.nextInt(5000);
        } else {
            size = random.nextInt(256);
        }
        byte[] data = new byte[size];
        random.nextBytes(data);
        return data;
    }

    private String digits(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append((char) ('0' + random.nextInt(10)));
        }
        return text.toString();
    }

    private String hex(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append("0123456789ABCDEF".charAt(random.nextInt(16)));
        }
        return text.toString();
    }

    private String ascii(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            char c = (char) (' ' + random.nextInt(95));
            text.append(c == '@' ? '#' : c);
        }
        return text.toString();
    }

    private <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }
}
