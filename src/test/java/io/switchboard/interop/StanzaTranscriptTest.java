package io.switchboard.interop;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.interop.BaileysJudge.Release;
import io.restassured.path.json.JsonPath;
import io.switchboard.support.Tokens;
import java.net.URL;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Our client and Baileys 7 link a phone through the same sandbox and idle for a few seconds; the
 * sandbox records the shape of everything each sent (ClientPayload, then every stanza). Each
 * difference must be one this test (and the README, "Stanzas: ours beside Baileys 7") explains:
 * a new one, on either side, fails the test until it is looked at.
 */
@QuarkusTest
class StanzaTranscriptTest {

    /** Differences we know and accept: "ours" or "baileys", the connection kind, the shape → why. */
    static final Map<String, String> EXPLAINED = new TreeMap<>(Map.ofEntries(
            Map.entry("ours login iq[id,to,type=set,xmlns=urn:xmpp:whatsapp:dirty]{clean[timestamp,type=account_sync]}",
                    "we clean every dirty bit WhatsApp announces at once; Baileys 7 cleans account_sync only when it stored"
                            + " an earlier timestamp (never on a first login) and groups after re-reading its groups"),
            Map.entry("baileys login iq[id,to,type=get,xmlns=encrypt]{digest}",
                    "Baileys 7 checks the server's digest of its key bundle at every login; we only top up one-time"
                            + " pre-keys below 5 (the digest check comes with Signal sessions)"),
            Map.entry("baileys login iq[id,to,type=get,xmlns=abt]{props[protocol=1]}",
                    "A/B experiment flags for WhatsApp Web features; none changes what a gateway does"),
            Map.entry("baileys login iq[id,to,type=get,xmlns=blocklist]",
                    "Baileys' init queries feed its block-list API; the gateway offers none"),
            Map.entry("baileys login iq[id,to,type=get,xmlns=privacy]{privacy}",
                    "Baileys' init queries feed its privacy-settings API; the gateway offers none"),
            Map.entry("baileys login ib{unified_session[id]}",
                    "WhatsApp Web's session telemetry; we send no telemetry")));

    @TestHTTPResource("/")
    URL base;

    @Test
    void ourStanzasFromConnectToIdleMatchBaileys7OrAreExplained() throws Exception {
        String ourPhone = "1555" + (1_000_000 + (long) (Math.random() * 8_999_999));
        UUID org = createOrganization("Transcript");
        JsonPath qr = as(Tokens.admin()).post("/api/v1/organizations/" + org + "/whatsapp/init-baileys").then().extract().jsonPath();
        String text = qr.getString("qr");
        long deadline = System.currentTimeMillis() + 15_000;
        while (text == null && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            text = as(Tokens.admin()).get("/api/v1/organizations/" + org + "/whatsapp/qrcode").then().extract().jsonPath().getString("qr");
        }
        as(Tokens.admin()).body(Map.of("qr", text, "phone", ourPhone)).post("/sandbox/v1/scan").then().statusCode(200);
        Thread.sleep(5000);

        String theirPhone = "1555" + (1_000_000 + (long) (Math.random() * 8_999_999));
        runBaileys7(theirPhone);

        Map<String, Set<String>> ours = shapes(ourPhone);
        Map<String, Set<String>> theirs = shapes(theirPhone);
        System.out.println("---- stanza transcripts (ours | Baileys 7) ----");
        Set<String> found = new LinkedHashSet<>();
        for (String kind : List.of("registration", "login")) {
            Set<String> mine = ours.getOrDefault(kind, Set.of());
            Set<String> other = theirs.getOrDefault(kind, Set.of());
            assertTrue(!mine.isEmpty() && !other.isEmpty(), "both sides have a " + kind + " connection: " + ours + " " + theirs);
            for (String shape : mine) {
                System.out.println(kind + (other.contains(shape) ? "  both     " : "  ours     ") + shape);
                if (!other.contains(shape)) {
                    found.add("ours " + kind + " " + shape);
                }
            }
            for (String shape : other) {
                if (!mine.contains(shape)) {
                    System.out.println(kind + "  baileys  " + shape);
                    found.add("baileys " + kind + " " + shape);
                }
            }
        }
        List<String> unexplained = found.stream().filter(d -> !EXPLAINED.containsKey(d)).toList();
        List<String> gone = EXPLAINED.keySet().stream().filter(d -> !found.contains(d)).toList();
        assertEquals(List.of(), unexplained, "differences nobody explained yet");
        assertEquals(List.of(), gone, "explained differences that no longer occur: remove them here and in the README");
    }

    /** Shapes per connection kind, each connection's in order, duplicates (pings) once. */
    private static Map<String, Set<String>> shapes(String phone) {
        List<Map<String, Object>> views = as(Tokens.admin()).queryParam("phone", phone).get("/sandbox/v1/transcripts")
                .then().statusCode(200).extract().jsonPath().getList("$");
        Map<String, Set<String>> byKind = new TreeMap<>();
        for (Map<String, Object> view : views) {
            @SuppressWarnings("unchecked")
            List<String> stanzas = (List<String>) view.get("stanzas");
            byKind.computeIfAbsent((String) view.get("kind"), k -> new LinkedHashSet<>()).addAll(stanzas);
        }
        return byKind;
    }

    private void runBaileys7(String phone) throws Exception {
        BaileysJudge.runScenario(Release.V7, base.toString().replaceAll("/$", ""), List.of("transcript", phone));
    }
}
