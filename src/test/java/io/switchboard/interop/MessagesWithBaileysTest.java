package io.switchboard.interop;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.awaitPreKeysUploaded;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.support.Tokens;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The messages API and webhooks with a real Baileys account on the other side: Baileys' text shows
 * in the received list and as a signed {@code message.received} webhook; two texts sent over REST
 * reach Baileys once each and go queued → sent → delivered → read as Baileys reads them, each
 * status arriving as a {@code message.status} webhook whose signature the test checks itself.
 */
@QuarkusTest
class MessagesWithBaileysTest {

    @TestHTTPResource("/")
    URL base;

    @ParameterizedTest
    @EnumSource(Release.class)
    void restToBaileysAndBack(Release release) throws Exception {
        List<String[]> hooks = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks", exchange -> {
            hooks.add(new String[] {exchange.getRequestHeaders().getFirst("webhook-id"),
                exchange.getRequestHeaders().getFirst("webhook-timestamp"), exchange.getRequestHeaders().getFirst("webhook-signature"),
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)});
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        Process process = null;
        try {
            String ours = randomPhone("1571");
            String theirs = randomPhone("1572");
            UUID org = linkedOrganization("REST to Baileys " + release, ours);
            String secret = as(Tokens.admin()).body(Map.of("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks",
                    "events", List.of("message.received", "message.status"))).post("/api/v1/organizations/" + org + "/webhooks")
                    .then().statusCode(201).extract().path("secret");

            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            process = BaileysJudge.startScenario(release, base.toString().replaceAll("/$", ""), List.of("reader", theirs, ours, "2"),
                    lines::add);
            BaileysJudge.awaitLine(lines, "\"step\":\"ready\"");
            awaitPreKeysUploaded(theirs);
            long deadline = System.currentTimeMillis() + 20_000;
            JsonPath in = null;
            while (System.currentTimeMillis() < deadline) {
                in = as(Tokens.admin()).get("/api/v1/organizations/" + org + "/whatsapp/messages?direction=in").then().extract().jsonPath();
                if (!in.getList("items").isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals("from Baileys", in.getString("items[0].text"));
            assertEquals(theirs, in.getString("items[0].from.phone"));

            String first = send(org, theirs, "first over REST");
            String second = send(org, theirs, "second over REST");
            String read = BaileysJudge.awaitLine(lines, "\"step\":\"read\"");
            for (String text : List.of("first over REST", "second over REST")) {
                assertEquals(1, read.split(java.util.regex.Pattern.quote("\"text\":\"" + text + "\""), -1).length - 1,
                        text + " reached Baileys once: " + read);
            }
            for (String id : List.of(first, second)) {
                deadline = System.currentTimeMillis() + 20_000;
                while (!"read".equals(as(Tokens.admin()).get("/api/v1/organizations/" + org + "/whatsapp/messages/" + id).then()
                        .extract().path("status"))) {
                    assertTrue(System.currentTimeMillis() < deadline, "Baileys' read receipt never moved " + id + " to read");
                    Thread.sleep(100);
                }
                deadline = System.currentTimeMillis() + 10_000;
                while (statuses(hooks, id).size() < 4) {
                    assertTrue(System.currentTimeMillis() < deadline, "webhooks for " + id + ": " + statuses(hooks, id));
                    Thread.sleep(100);
                }
                assertEquals(List.of("queued", "sent", "delivered", "read"), statuses(hooks, id));
            }
            assertTrue(hooks.stream().map(h -> new JsonObject(h[3])).anyMatch(b -> "message.received".equals(b.getString("type"))
                    && "from Baileys".equals(b.getJsonObject("data").getString("text"))), "the received text as a webhook");
            for (String[] hook : hooks) {
                assertTrue(verifies(hook, secret), "signature of " + hook[0]);
            }
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        } finally {
            if (process != null) {
                process.destroy();
            }
            receiver.stop(0);
        }
    }

    private static String send(UUID org, String to, String text) {
        return as(Tokens.admin()).body(Map.of("to", to, "text", text)).post("/api/v1/organizations/" + org + "/whatsapp/messages")
                .then().statusCode(202).extract().path("id");
    }

    private static List<String> statuses(List<String[]> hooks, String id) {
        return hooks.stream().map(h -> new JsonObject(h[3])).filter(b -> "message.status".equals(b.getString("type"))
                && id.equals(b.getJsonObject("data").getString("id"))).map(b -> b.getJsonObject("data").getString("status"))
                .distinct().toList();
    }

    /** Standard Webhooks, computed here: HMAC-SHA256 with the secret's bytes over id.timestamp.body. */
    private static boolean verifies(String[] hook, String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal((hook[0] + "." + hook[1] + "." + hook[3])
                .getBytes(StandardCharsets.UTF_8)));
        return List.of(hook[2].split(" ")).contains(expected);
    }
}
