package io.switchboard.web;

import io.smallrye.jwt.build.Jwt;
import io.switchboard.support.Tokens;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Generators of hostile requests for every REST endpoint. A new endpoint is one more
 * {@link Endpoint} in {@link #ENDPOINTS}; a new kind of input goes into one generator below and
 * reaches every endpoint at once. Deterministic for a seed.
 */
final class RequestGenerators {

    /** Draws a value from {@code random}. */
    @FunctionalInterface
    interface Gen<T> {
        T next(Random random);

        @SafeVarargs
        static <T> Gen<T> oneOf(Gen<? extends T>... choices) {
            return random -> choices[random.nextInt(choices.length)].next(random);
        }

        @SafeVarargs
        static <T> Gen<T> of(T... values) {
            return random -> values[random.nextInt(values.length)];
        }

        static Gen<Integer> between(int min, int max) {
            return random -> min + random.nextInt(max - min + 1);
        }
    }

    /** An endpoint: method, path with {org} / {jid} / {x} placeholders, and whether it takes a body. */
    record Endpoint(String method, String path, boolean body) {
    }

    /** One generated request. */
    record Request(String method, String path, String query, String contentType, String body, String token,
            String tokenKind) {

        @Override
        public String toString() {
            String shownBody = body == null ? "none" : body.length() > 200 ? body.substring(0, 200) + "… (" + body.length()
                    + " chars)" : body;
            return method + " " + path + (query.isEmpty() ? "" : "?" + query) + " [" + contentType + "] token=" + tokenKind
                    + " body=" + shownBody;
        }
    }

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("POST", "/api/v1/organizations", true),
            new Endpoint("GET", "/api/v1/organizations", false),
            new Endpoint("GET", "/api/v1/organizations/{org}", false),
            new Endpoint("PATCH", "/api/v1/organizations/{org}", true),
            new Endpoint("DELETE", "/api/v1/organizations/{org}", false),
            new Endpoint("POST", "/api/v1/organizations/{org}/whatsapp/init-baileys", true),
            new Endpoint("POST", "/api/v1/organizations/{org}/whatsapp/reconnect", true),
            new Endpoint("GET", "/api/v1/organizations/{org}/whatsapp/qrcode", false),
            new Endpoint("GET", "/api/v1/organizations/{org}/whatsapp/status", false),
            new Endpoint("DELETE", "/api/v1/organizations/{org}/whatsapp/disconnect", false),
            new Endpoint("POST", "/api/v1/organizations/{org}/whatsapp/pairing-code", true),
            new Endpoint("POST", "/api/v1/organizations/{org}/whatsapp/contacts/check", true),
            new Endpoint("POST", "/api/v1/organizations/{org}/whatsapp/messages/{jid}/reactions", true),
            new Endpoint("POST", "/api/v1/organizations/{org}/whatsapp/messages/read", true),
            new Endpoint("POST", "/api/v1/organizations/{org}/whatsapp/presence", true),
            new Endpoint("POST", "/api/v1/organizations/{org}/whatsapp/presence/subscribe", true),
            new Endpoint("PATCH", "/api/v1/organizations/{org}/whatsapp/messages/{jid}", true),
            new Endpoint("DELETE", "/api/v1/organizations/{org}/whatsapp/messages/{jid}", false),
            new Endpoint("POST", "/sandbox/v1/scan", true),
            new Endpoint("POST", "/sandbox/v1/pair-code", true),
            new Endpoint("GET", "/sandbox/v1/web-version", false),
            new Endpoint("GET", "/sandbox/v1/transcripts", false),
            new Endpoint("GET", "/sandbox/v1/trust-root", false),
            new Endpoint("GET", "/sandbox/v1/devices", false),
            new Endpoint("POST", "/sandbox/v1/devices/{jid}/disconnect", true),
            new Endpoint("POST", "/sandbox/v1/devices/{jid}/drop", false),
            // network-down is left out: on a real device of another test it would cut that device's logins for good.
            new Endpoint("POST", "/sandbox/v1/devices/{jid}/network-up", false),
            new Endpoint("GET", "/sandbox/v1/keepalives", false),
            new Endpoint("POST", "/sandbox/v1/media/phone-files", true),
            new Endpoint("DELETE", "/sandbox/v1/devices/{jid}", false),
            new Endpoint("POST", "/dev/token", true),
            new Endpoint("GET", "/api/v1/{x}", false));

    private final String known;
    private final String other;

    RequestGenerators(UUID knownOrganization, UUID otherOrganization) {
        this.known = knownOrganization.toString();
        this.other = otherOrganization.toString();
    }

    Request request(Random random) {
        Endpoint endpoint = ENDPOINTS.get(random.nextInt(ENDPOINTS.size()));
        String org = organizations().next(random);
        String body = bodies().next(random);
        Token token = tokens().next(random);
        return new Request(endpoint.method(), endpoint.path().replace("{org}", org).replace("{jid}", jids().next(random))
                .replace("{x}", org), queries().next(random), contentTypes().next(random),
                endpoint.body() || body.length() < 50 ? body : null, token.value(), token.kind());
    }

    /** Path parameters: the real ones, random UUIDs, and things that are almost UUIDs. */
    Gen<String> organizations() {
        return Gen.oneOf(Gen.of(known, other), random -> new UUID(random.nextLong(), random.nextLong()).toString(),
                Gen.of(known.toUpperCase(), "%7B" + known + "%7D", known.substring(1), known + "0", known.replace("-", ""),
                        "%20" + known, known.replace('a', 'g'), "00000000-0000-0000-0000-000000000000", "%00", "%2e%2e",
                        encode(known.replace("4", "\u0664")), "null", "-1", "9223372036854775808"),
                random -> encode(hostileStrings().next(random)));
    }

    Gen<String> jids() {
        return Gen.oneOf(Gen.of("15551234567:1@s.whatsapp.net", "15551234567@s.whatsapp.net", "@", ":@",
                "1:99999999999@s.whatsapp.net", "x".repeat(300)), random -> encode(hostileStrings().next(random)));
    }

    /** Query strings: paging at and past int and long limits, negative, fractional, repeated, unknown. */
    Gen<String> queries() {
        Gen<String> numbers = Gen.of("0", "1", "-1", "200", "201", "2147483647", "2147483648", "-2147483648",
                "9223372036854775807", "9223372036854775808", "1.5", "1e3", "NaN", "", "abc", "%00", "0x10");
        return Gen.oneOf(Gen.of(""), random -> "page=" + numbers.next(random) + "&size=" + numbers.next(random),
                random -> {
                    String n = numbers.next(random);
                    return "page=" + n + "&page=" + numbers.next(random);
                },
                random -> "size=" + numbers.next(random) + "&unknown=" + numbers.next(random));
    }

    Gen<String> contentTypes() {
        return Gen.of("application/json", "application/json", "application/json", "text/plain", "application/xml",
                "application/json; charset=ISO-8859-1", "multipart/form-data; boundary=x", "", "*/*",
                "application/x-www-form-urlencoded");
    }

    /** Bodies: valid and wrong JSON, hostile strings and numbers, deep nesting, duplicate keys, empty, huge. */
    Gen<String> bodies() {
        Gen<String> values = Gen.oneOf(random -> jsonString(hostileStrings().next(random)),
                Gen.of("0", "-1", "2147483648", "9223372036854775808", "1e400", "1.5", "-0", "true", "null", "[]", "{}",
                        "[1,2]", "{\"a\":1}", "401", "440", "515", "NaN"));
        Gen<String> keys = Gen.of("name", "qr", "phone", "code", "admin", "orgs", "subject", "unknown", "Name", "");
        return Gen.oneOf(
                random -> "{" + jsonString(keys.next(random)) + ":" + values.next(random) + "}",
                random -> "{\"name\":" + values.next(random) + ",\"name\":" + values.next(random) + "}",
                random -> "{\"qr\":" + values.next(random) + ",\"phone\":" + values.next(random) + "}",
                random -> {
                    int depth = Gen.between(1, 100_000).next(random);
                    return "[".repeat(depth) + "]".repeat(depth);
                },
                random -> {
                    int depth = Gen.between(1, 10_000).next(random);
                    return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
                },
                Gen.of("", " ", "{", "}", "{\"name\":}", "nul", "\u0000", "{\"name\":\"a\"}garbage", "[{}]"),
                random -> "{\"name\":\"" + "x".repeat(Gen.between(1, 10).next(random) * 1024 * 1024) + "\"}");
    }

    /** Strings with NUL and other control characters, lone surrogates, emoji, long runs, injection-looking text. */
    Gen<String> hostileStrings() {
        return Gen.oneOf(
                random -> {
                    StringBuilder text = new StringBuilder();
                    for (int n = random.nextInt(40); n > 0; n--) {
                        text.append((char) random.nextInt(Character.MAX_VALUE + 1));
                    }
                    return text.toString();
                },
                random -> {
                    char[] alphabet = {'\u0000', '\u0001', '\u001f', '\u007f', '\t', '\n', 'a'};
                    StringBuilder text = new StringBuilder();
                    for (int n = random.nextInt(10); n > 0; n--) {
                        text.append(alphabet[random.nextInt(alphabet.length)]);
                    }
                    return text.toString();
                },
                Gen.of("\ud800", "a\udc00b", "\ud83d", "\ud83d\ude00", "\u202e", "\ufeff", "'; DROP TABLE organization;--",
                        "<script>", "%s%n", "\\", "\"", " ", "Ω \u0000 zero"),
                random -> "n".repeat(Gen.between(200, 20_000).next(random)));
    }

    /** Tokens: admin, member of the organization, member of another, expired, foreign, malformed, none. */
    Gen<Token> tokens() {
        return random -> {
            switch (random.nextInt(9)) {
                case 0:
                    return new Token("admin", Tokens.admin());
                case 1:
                    return new Token("member", Tokens.member(UUID.fromString(known)));
                case 2:
                    return new Token("member-elsewhere", Tokens.member(UUID.fromString(other)));
                case 3:
                    return new Token("expired", Tokens.expiredAdmin());
                case 4:
                    return new Token("foreign", Tokens.forgedAdmin());
                case 5:
                    return new Token("wrong-issuer", Tokens.wrongIssuerAdmin());
                case 6:
                    return new Token("garbage", "not.a.jwt");
                case 7:
                    return new Token("odd-claims", Jwt.issuer(Tokens.ISSUER).subject("\u0000").groups(Set.of("member"))
                            .claim("orgs", List.of("x", 1)).expiresIn(600).sign());
                default:
                    return new Token("none", null);
            }
        };
    }

    record Token(String kind, String value) {
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A JSON string literal for {@code text}, escaping what JSON requires (lone surrogates pass as \\u escapes). */
    static String jsonString(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
