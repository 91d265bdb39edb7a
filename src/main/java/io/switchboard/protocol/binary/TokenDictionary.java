package io.switchboard.protocol.binary;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One version of WhatsApp's token dictionary: 236 single-byte tokens (index 0 is the empty
 * string) and four pages of 256 double-byte tokens. The tables are data, loaded from
 * {@code tokens-v<N>.json} beside this class. A connection announces its version in the last
 * byte of the intro header.
 */
public final class TokenDictionary {

    /** Today's dictionary, the one our client announces. */
    public static final int CURRENT_VERSION = 3;
    public static final List<Integer> SUPPORTED_VERSIONS = List.of(2, 3);

    static final int SINGLE_BYTE_SIZE = 236;
    static final int DOUBLE_BYTE_PAGES = 4;
    static final int DOUBLE_BYTE_PAGE_SIZE = 256;

    private static final Map<Integer, TokenDictionary> LOADED = new HashMap<>();

    private final int version;
    private final String[] single;
    private final String[][] doubles;
    /** String → encoded token: single index, or 0x100 | page << 8 ... see {@link #lookup}. */
    private final Map<String, Integer> index;

    private TokenDictionary(int version, String[] single, String[][] doubles) {
        this.version = version;
        this.single = single;
        this.doubles = doubles;
        this.index = new HashMap<>();
        for (int i = 0; i < single.length; i++) {
            index.put(single[i], i);
        }
        for (int page = 0; page < doubles.length; page++) {
            for (int i = 0; i < doubles[page].length; i++) {
                index.put(doubles[page][i], DOUBLE_FLAG | page << 8 | i);
            }
        }
    }

    private static final int DOUBLE_FLAG = 1 << 16;

    public static synchronized TokenDictionary forVersion(int version) {
        if (!SUPPORTED_VERSIONS.contains(version)) {
            throw new IllegalArgumentException("unsupported token dictionary version " + version
                    + " (supported: " + SUPPORTED_VERSIONS + ")");
        }
        return LOADED.computeIfAbsent(version, TokenDictionary::load);
    }

    public static boolean isSupported(int version) {
        return SUPPORTED_VERSIONS.contains(version);
    }

    private static TokenDictionary load(int version) {
        String resource = "tokens-v" + version + ".json";
        try (InputStream in = TokenDictionary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing token table " + resource);
            }
            JsonObject json = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            if (json.getInteger("dictionaryVersion") != version) {
                throw new IllegalStateException(resource + " declares another version");
            }
            String[] single = strings(json.getJsonArray("single"), SINGLE_BYTE_SIZE, resource);
            JsonArray pages = json.getJsonArray("double");
            if (pages.size() != DOUBLE_BYTE_PAGES) {
                throw new IllegalStateException(resource + ": expected 4 double-byte pages");
            }
            String[][] doubles = new String[DOUBLE_BYTE_PAGES][];
            for (int page = 0; page < DOUBLE_BYTE_PAGES; page++) {
                doubles[page] = strings(pages.getJsonArray(page), DOUBLE_BYTE_PAGE_SIZE, resource);
            }
            return new TokenDictionary(version, single, doubles);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private static String[] strings(JsonArray array, int expectedSize, String resource) {
        if (array.size() != expectedSize) {
            throw new IllegalStateException(resource + ": expected " + expectedSize + " tokens, found " + array.size());
        }
        String[] out = new String[expectedSize];
        for (int i = 0; i < expectedSize; i++) {
            out[i] = array.getString(i);
        }
        return out;
    }

    public int version() {
        return version;
    }

    /** Single-byte token {@code index} (1..235). */
    public String single(int tokenIndex) {
        return single[tokenIndex];
    }

    /** Double-byte token on {@code page} (0..3) at {@code tokenIndex} (0..255). */
    public String doubleByte(int page, int tokenIndex) {
        return doubles[page][tokenIndex];
    }

    public List<String> singleTokens() {
        return List.of(single);
    }

    public List<List<String>> doubleTokens() {
        return List.of(List.of(doubles[0]), List.of(doubles[1]), List.of(doubles[2]), List.of(doubles[3]));
    }

    /** Token encoding of a string, if it is one. */
    Optional<Token> lookup(String value) {
        Integer encoded = index.get(value);
        if (encoded == null) {
            return Optional.empty();
        }
        if ((encoded & DOUBLE_FLAG) != 0) {
            return Optional.of(new Token((encoded >> 8) & 0xff, encoded & 0xff));
        }
        return Optional.of(new Token(-1, encoded));
    }

    /** A token reference: {@code page} is -1 for a single-byte token. */
    record Token(int page, int index) {
        boolean isDoubleByte() {
            return page >= 0;
        }
    }
}
