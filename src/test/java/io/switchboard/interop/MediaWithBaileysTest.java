package io.switchboard.interop;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.awaitPreKeysUploaded;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.messaging.MediaMessagesTest;
import io.switchboard.support.Tokens;
import java.net.URL;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Files sent over REST, judged by the real Baileys releases: an image with its caption, a PDF with
 * its file name, a voice note and a sticker reach a Baileys account, whose own
 * {@code downloadMediaMessage} fetches each from the sandbox's media host (HTTPS, its certificate
 * trusted through {@code NODE_EXTRA_CA_CERTS}) and yields the bytes we sent, with the mimetype,
 * caption and file name we gave. Baileys 7 then downloads each again after the media host forgot it,
 * through its media retry ({@code updateMediaMessage}), answered by its phone from our message.
 */
@QuarkusTest
class MediaWithBaileysTest {

    @TestHTTPResource("/")
    URL base;

    @ParameterizedTest
    @EnumSource(Release.class)
    void baileysDownloadsEveryFileByteExact(Release release) throws Exception {
        String ours = randomPhone("1581");
        String theirs = randomPhone("1582");
        UUID org = linkedOrganization("Media to Baileys " + release, ours);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Process process = BaileysJudge.startScenario(release, base.toString().replaceAll("/$", ""),
                release == Release.V7 ? List.of("media-reader", theirs, "4", "refetch") : List.of("media-reader", theirs, "4"),
                lines::add);
        try {
            BaileysJudge.awaitLine(lines, "\"step\":\"ready\"");
            awaitPreKeysUploaded(theirs);
            String messages = "/api/v1/organizations/" + org + "/whatsapp/messages";
            byte[] png = MediaMessagesTest.png(300, 200);
            byte[] pdf = MediaMessagesTest.pdf(1_500_000);
            byte[] ogg = MediaMessagesTest.oggOpus(2);
            byte[] webp = MediaMessagesTest.webp(512, 512);
            Map<String, String> ids = new HashMap<>();
            // The image replies to a text of ours and mentions the customer.
            String asked = as(Tokens.admin()).body(Map.of("to", theirs, "text", "Here is the receipt you asked for")).post(messages)
                    .then().statusCode(202).extract().path("whatsappId");
            ids.put(as(Tokens.admin()).body(Map.of("to", theirs, "replyTo", asked, "mentions", List.of(theirs), "media",
                    Map.of("type", "image", "caption", "the receipt @" + theirs, "data", Base64.getEncoder().encodeToString(png))))
                    .post(messages).then().statusCode(202).body("reply.messageId", equalTo(asked)).extract()
                    .path("whatsappId"), "image");
            ids.put(as(Tokens.admin()).contentType("multipart/form-data").multiPart("to", theirs).multiPart("type", "document")
                    .multiPart("fileName", "invoice-4521.pdf").multiPart("file", "x.pdf", pdf, "application/pdf").post(messages)
                    .then().statusCode(202).extract().path("whatsappId"), "document");
            ids.put(as(Tokens.admin()).body(Map.of("to", theirs, "media", Map.of("type", "voice",
                    "data", Base64.getEncoder().encodeToString(ogg)))).post(messages).then().statusCode(202).extract()
                    .path("whatsappId"), "voice");
            ids.put(as(Tokens.admin()).body(Map.of("to", theirs, "media", Map.of("type", "sticker",
                    "data", Base64.getEncoder().encodeToString(webp)))).post(messages).then().statusCode(202).extract()
                    .path("whatsappId"), "sticker");

            JsonNode files = BaileysJudge.json().readTree(BaileysJudge.awaitLine(lines, "\"step\":\"media\"")).path("files");
            assertEquals(4, files.size(), files.toString());
            Map<String, byte[]> bytes = Map.of("image", png, "document", pdf, "voice", ogg, "sticker", webp);
            for (JsonNode file : files) {
                String kind = ids.get(file.path("id").asText());
                assertNull(file.get("error"), "Baileys could not download " + file);
                assertEquals(kind, file.path("kind").asText(), file.toString());
                assertEquals(MediaMessagesTest.sha256(bytes.get(kind)), file.path("sha256").asText(), kind + " byte-exact");
                assertEquals(bytes.get(kind).length, file.path("size").asInt());
            }
            JsonNode image = find(files, ids, "image");
            assertEquals("the receipt @" + theirs, image.path("caption").asText());
            assertEquals(asked, image.path("quotedId").asText(), "the image quotes our text: " + image);
            assertEquals(theirs + "@s.whatsapp.net", image.path("mentions").path(0).asText());
            assertEquals("image/png", image.path("mimetype").asText());
            assertEquals("invoice-4521.pdf", find(files, ids, "document").path("fileName").asText());
            assertEquals("audio/ogg; codecs=opus", find(files, ids, "voice").path("mimetype").asText());
            if (release == Release.V7) {
                // The host forgot our files; Baileys 7 asks its phone (updateMediaMessage) and gets each again, moved.
                // Baileys 6 cannot judge this: it rebuilds the URL on mmg.whatsapp.net after a retry.
                JsonNode again = BaileysJudge.json().readTree(BaileysJudge.awaitLine(lines, "\"step\":\"refetched\""))
                        .path("files");
                assertEquals(4, again.size(), again.toString());
                for (JsonNode file : again) {
                    String kind = ids.get(file.path("id").asText());
                    assertNull(file.get("error"), "Baileys' media retry failed: " + file);
                    assertTrue(file.path("moved").asBoolean(), "a new direct path: " + file);
                    assertEquals(MediaMessagesTest.sha256(bytes.get(kind)), file.path("sha256").asText(), kind + " again byte-exact");
                }
            }
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        } finally {
            process.destroy();
        }
    }

    private static JsonNode find(JsonNode files, Map<String, String> ids, String kind) {
        for (JsonNode file : files) {
            if (kind.equals(ids.get(file.path("id").asText()))) {
                return file;
            }
        }
        throw new AssertionError("no " + kind + " in " + files);
    }
}
