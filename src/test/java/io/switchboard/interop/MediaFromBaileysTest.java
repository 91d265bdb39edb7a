package io.switchboard.interop;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.messaging.MediaMessagesTest;
import io.switchboard.support.Tokens;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Files Baileys sends (it encrypts and uploads them to the sandbox's media host itself) are
 * stored before they are acknowledged and listed with their facts and a download URL; the URL
 * answers the very bytes Baileys sent, with their type and file name. A file the host damaged
 * (one byte flipped) is 502 {@code media-corrupt} with nothing of it answered; one the host
 * forgot is fetched again through the media retry (our phone uploads it again), and is 504
 * {@code media-unavailable} when the phone no longer has it either.
 */
@QuarkusTest
class MediaFromBaileysTest {

    @TestHTTPResource("/")
    URL base;

    @ParameterizedTest
    @EnumSource(Release.class)
    void ourDownloadUrlAnswersTheBytesBaileysSent(Release release) throws Exception {
        String ours = randomPhone("1591");
        String theirs = randomPhone("1592");
        UUID org = linkedOrganization("Media from Baileys " + release, ours);
        byte[] png = MediaMessagesTest.png(64, 48);
        byte[] pdf = MediaMessagesTest.pdf(700_000);
        Path dir = Files.createTempDirectory("media-from-baileys");
        Files.write(dir.resolve("photo.png"), png);
        Files.write(dir.resolve("statement.pdf"), pdf);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Process process = BaileysJudge.startScenario(release, base.toString().replaceAll("/$", ""), List.of("send-media", theirs, ours,
                dir.resolve("photo.png").toString(), dir.resolve("statement.pdf").toString()), lines::add);
        try {
            BaileysJudge.awaitLine(lines, "\"step\":\"receipts\",\"delivered\":2");
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue());
        } finally {
            process.destroy();
        }
        String messages = "/api/v1/organizations/" + org + "/whatsapp/messages";
        JsonPath in = as(Tokens.admin()).get(messages + "?direction=in").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> items = in.getList("items");
        assertEquals(2, items.size(), in.prettify());
        Map<String, Object> image = items.stream().filter(i -> "image".equals(((Map<?, ?>) i.get("media")).get("type"))).findFirst()
                .orElseThrow();
        Map<?, ?> imageMedia = (Map<?, ?>) image.get("media");
        assertNull(image.get("text"));
        assertEquals("photo from Baileys", imageMedia.get("caption"));
        assertEquals("image/png", imageMedia.get("mimetype"));
        assertEquals(MediaMessagesTest.sha256(png), imageMedia.get("sha256"));
        Map<?, ?> documentMedia = (Map<?, ?>) items.stream().filter(i -> "document".equals(((Map<?, ?>) i.get("media")).get("type")))
                .findFirst().orElseThrow().get("media");
        assertEquals("statement.pdf", documentMedia.get("fileName"));

        Response photo = as(Tokens.admin()).get((String) imageMedia.get("downloadUrl"));
        photo.then().statusCode(200).contentType("image/png");
        assertArrayEquals(png, photo.asByteArray());
        Response statement = as(Tokens.admin()).get((String) documentMedia.get("downloadUrl"));
        statement.then().statusCode(200).contentType("application/pdf");
        assertTrue(statement.header("Content-Disposition").contains("statement.pdf"), statement.header("Content-Disposition"));
        assertArrayEquals(pdf, statement.asByteArray());
        // A text has no file.
        as(Tokens.admin()).get(messages + "/3EB0000000000000000000/media").then().statusCode(404)
                .body("reason", equalTo("message-not-found"));

        // The host forgets the photo: our phone, asked through the media retry, uploads it again.
        as(Tokens.admin()).body(Map.of("phone", theirs)).post("/sandbox/v1/media/expire").then().statusCode(200)
                .body("expired", equalTo(2));
        Response again = as(Tokens.admin()).get((String) imageMedia.get("downloadUrl"));
        again.then().statusCode(200).contentType("image/png");
        assertArrayEquals(png, again.asByteArray());
        as(Tokens.admin()).get((String) imageMedia.get("downloadUrl")).then().statusCode(200);

        // Our phone no longer has the files either: 504, saying why.
        as(Tokens.admin()).body(Map.of("phone", ours, "deleted", true)).post("/sandbox/v1/media/phone-files").then().statusCode(200);
        as(Tokens.admin()).get((String) documentMedia.get("downloadUrl")).then().statusCode(504)
                .contentType("application/problem+json").body("reason", equalTo("media-unavailable"))
                .body("detail", containsString("media-not-on-phone"));
        as(Tokens.admin()).body(Map.of("phone", ours, "deleted", false)).post("/sandbox/v1/media/phone-files").then().statusCode(200);

        // The media host damages Baileys' files: nothing unchecked is answered, not even after a media retry.
        as(Tokens.admin()).body(Map.of("phone", theirs)).post("/sandbox/v1/media/corrupt").then().statusCode(200)
                .body("corrupted", equalTo(2));
        as(Tokens.admin()).get((String) documentMedia.get("downloadUrl")).then().statusCode(502)
                .contentType("application/problem+json").body("reason", equalTo("media-corrupt"));
    }
}
