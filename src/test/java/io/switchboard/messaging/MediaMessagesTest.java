package io.switchboard.messaging;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.support.Tokens;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Files through the messages API to the sandbox's phones, which download each one from the
 * sandbox's media host and check it with their own code (hashes, MAC under the type's keys,
 * decryption, length): an image with its caption (JSON, base64), a PDF with its file name
 * (multipart), a voice note and a sticker arrive byte-exact; what is not its type, too large or
 * malformed is a problem+json 4xx and nothing is sent.
 */
@QuarkusTest
public class MediaMessagesTest {

    @Test
    void anImageAPdfAVoiceNoteAndAStickerReachThePhoneByteExact() throws Exception {
        String ours = randomPhone("1561");
        String theirs = randomPhone("1562");
        UUID org = linkedOrganization("Media sender", ours);
        // The customer's phone exists (it wrote first).
        as(Tokens.admin()).body(Map.of("to", ours, "text", "can you send me the invoice?"))
                .post("/sandbox/v1/accounts/" + theirs + "/messages").then().statusCode(202);

        byte[] png = png(120, 80);
        JsonPath image = as(Tokens.admin()).body(Map.of("to", theirs, "media", Map.of("type", "image",
                "data", Base64.getEncoder().encodeToString(png), "caption", "the receipt")))
                .post(base(org)).then().statusCode(202).extract().jsonPath();
        assertEquals("image", image.getString("media.type"));
        assertEquals("image/png", image.getString("media.mimetype"));
        assertEquals(120, image.getInt("media.width"));
        assertEquals(80, image.getInt("media.height"));
        assertEquals(sha256(png), image.getString("media.sha256"));
        assertEquals("the receipt", image.getString("media.caption"));
        assertNull(image.getString("text"));

        byte[] pdf = pdf(3 * 1024 * 1024 + 123);
        JsonPath document = as(Tokens.admin()).contentType("multipart/form-data").multiPart("to", theirs)
                .multiPart("type", "document").multiPart("fileName", "invoice-4521.pdf")
                .multiPart("file", "upload.pdf", pdf, "application/pdf").post(base(org)).then().statusCode(202)
                .extract().jsonPath();
        assertEquals("application/pdf", document.getString("media.mimetype"));
        assertEquals(pdf.length, document.getLong("media.size"));

        byte[] ogg = oggOpus(3);
        JsonPath voice = as(Tokens.admin()).body(Map.of("to", theirs, "media", Map.of("type", "voice",
                "data", Base64.getEncoder().encodeToString(ogg)))).post(base(org)).then().statusCode(202).extract().jsonPath();
        assertEquals("audio/ogg; codecs=opus", voice.getString("media.mimetype"));
        assertEquals(3, voice.getInt("media.seconds"));

        byte[] webp = webp(512, 512);
        as(Tokens.admin()).body(Map.of("to", theirs, "media", Map.of("type", "sticker",
                "data", Base64.getEncoder().encodeToString(webp)))).post(base(org)).then().statusCode(202)
                .body("media.width", equalTo(512));

        Map<String, String> sent = Map.of(image.getString("whatsappId"), "image", document.getString("whatsappId"), "document",
                voice.getString("whatsappId"), "voice");
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> phoneMedia(theirs).size() >= 4);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the phone did not get the four files; sent: " + as(Tokens.admin()).get(base(org)).asString()
                    + "\nphone: " + as(Tokens.admin()).get("/sandbox/v1/accounts/" + theirs + "/messages").asString(), e);
        }
        List<Map<String, Object>> received = phoneMedia(theirs);
        for (Map<String, Object> message : received) {
            @SuppressWarnings("unchecked")
            Map<String, Object> media = (Map<String, Object>) message.get("media");
            assertNull(media.get("problem"), "the phone could not take " + message);
            String kind = sent.get((String) message.get("id"));
            if ("image".equals(kind)) {
                assertEquals(sha256(png), media.get("sha256"));
                assertEquals("the receipt", media.get("caption"));
                assertEquals("image/png", media.get("mimetype"));
            } else if ("document".equals(kind)) {
                assertEquals(sha256(pdf), media.get("sha256"));
                assertEquals("invoice-4521.pdf", media.get("fileName"));
            } else if ("voice".equals(kind)) {
                assertEquals("voice", media.get("kind"), "a voice note is an audio message with ptt");
                assertEquals(sha256(ogg), media.get("sha256"));
            } else {
                assertEquals("sticker", media.get("kind"));
                assertEquals(sha256(webp), media.get("sha256"));
            }
        }
        JsonPath delivered = as(Tokens.admin()).get(base(org) + "/" + document.getString("id")).then().statusCode(200)
                .extract().jsonPath();
        assertEquals("invoice-4521.pdf", delivered.getString("media.fileName"));
        assertNotNull(delivered.getString("sentAt"));
    }

    @Test
    void filesThePhoneSendsAreStoredListedAndDownloadedByteExact() throws Exception {
        String ours = randomPhone("1563");
        String theirs = randomPhone("1564");
        UUID org = linkedOrganization("Media receiver", ours);
        byte[] png = png(40, 30);
        byte[] ogg = oggOpus(4);
        as(Tokens.admin()).body(Map.of("to", ours, "media", Map.of("type", "image", "mimetype", "image/png", "caption", "my receipt",
                "data", Base64.getEncoder().encodeToString(png)))).post("/sandbox/v1/accounts/" + theirs + "/messages")
                .then().statusCode(202);
        as(Tokens.admin()).body(Map.of("to", ours, "media", Map.of("type", "voice", "mimetype", "audio/ogg; codecs=opus",
                "data", Base64.getEncoder().encodeToString(ogg)))).post("/sandbox/v1/accounts/" + theirs + "/messages")
                .then().statusCode(202);
        await().atMost(Duration.ofSeconds(15)).until(() -> as(Tokens.admin()).get(base(org) + "?direction=in").then()
                .extract().jsonPath().getList("items").size() == 2);
        List<Map<String, Object>> items = as(Tokens.admin()).get(base(org) + "?direction=in").then().statusCode(200).extract()
                .jsonPath().getList("items");
        for (Map<String, Object> item : items) {
            @SuppressWarnings("unchecked")
            Map<String, Object> media = (Map<String, Object>) item.get("media");
            byte[] expected = "image".equals(media.get("type")) ? png : ogg;
            assertEquals(sha256(expected), media.get("sha256"));
            byte[] downloaded = as(Tokens.admin()).get((String) media.get("downloadUrl")).then().statusCode(200)
                    .contentType((String) media.get("mimetype")).extract().asByteArray();
            assertEquals(sha256(expected), sha256(downloaded), media.get("type") + " byte-exact");
            if ("image".equals(media.get("type"))) {
                assertEquals("my receipt", media.get("caption"));
            } else {
                assertEquals("voice", media.get("type"), "ptt is a voice note");
            }
        }
    }

    @Test
    void aFileNamedByUrlIsFetchedWithinItsLimits() throws Exception {
        String ours = randomPhone("1565");
        String theirs = randomPhone("1566");
        UUID org = linkedOrganization("Media by URL", ours);
        as(Tokens.admin()).body(Map.of("to", ours, "text", "send me the picture"))
                .post("/sandbox/v1/accounts/" + theirs + "/messages").then().statusCode(202);
        byte[] png = png(50, 20);
        com.sun.net.httpserver.HttpServer files = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        files.createContext("/pictures/cat.png", exchange -> {
            exchange.sendResponseHeaders(200, png.length);
            exchange.getResponseBody().write(png);
            exchange.close();
        });
        files.createContext("/huge.webp", exchange -> {
            byte[] big = webp(512, 512, 600 * 1024);
            exchange.sendResponseHeaders(200, big.length);
            exchange.getResponseBody().write(big);
            exchange.close();
        });
        files.start();
        try {
            String root = "http://127.0.0.1:" + files.getAddress().getPort();
            JsonPath sent = as(Tokens.admin()).body(Map.of("to", theirs, "media", Map.of("type", "image", "url", root
                    + "/pictures/cat.png"))).post(base(org)).then().statusCode(202).extract().jsonPath();
            assertEquals(sha256(png), sent.getString("media.sha256"));
            assertEquals(50, sent.getInt("media.width"));
            problem(Map.of("to", theirs, "media", Map.of("type", "image", "url", root + "/missing.png")), org, 400, "media-url-failed");
            problem(Map.of("to", theirs, "media", Map.of("type", "sticker", "url", root + "/huge.webp")), org, 413, "media-too-large");
            problem(Map.of("to", theirs, "media", Map.of("type", "image", "url", "file:///etc/passwd")), org, 400, "url-not-allowed");
            problem(Map.of("to", theirs, "media", Map.of("type", "image", "url", root + "/pictures/cat.png", "data", "AAAA")), org, 400,
                    "invalid-body");
            await().atMost(Duration.ofSeconds(15)).until(() -> phoneMedia(theirs).size() == 1);
            @SuppressWarnings("unchecked")
            Map<String, Object> media = (Map<String, Object>) phoneMedia(theirs).get(0).get("media");
            assertNull(media.get("problem"));
            assertEquals(sha256(png), media.get("sha256"));
        } finally {
            files.stop(0);
        }
    }

    @Test
    void whatIsNotItsTypeOrTooLargeIsRefusedAndNothingIsSent() throws Exception {
        UUID org = linkedOrganization("Media refusals", randomPhone("1561"));
        String to = randomPhone("1562");
        byte[] text = "just text, not a picture".getBytes(StandardCharsets.UTF_8);
        problem(Map.of("to", to, "media", Map.of("type", "image", "data", Base64.getEncoder().encodeToString(text))), org, 400,
                "unsupported-media");
        problem(Map.of("to", to, "media", Map.of("type", "voice", "data", Base64.getEncoder().encodeToString(png(4, 4)))), org,
                400, "unsupported-media");
        problem(Map.of("to", to, "media", Map.of("type", "sticker", "data", Base64.getEncoder().encodeToString(png(4, 4)))), org,
                400, "unsupported-media");
        byte[] bigSticker = webp(512, 512, 600 * 1024);
        problem(Map.of("to", to, "media", Map.of("type", "sticker", "data", Base64.getEncoder().encodeToString(bigSticker))), org,
                413, "media-too-large");
        problem(Map.of("to", to, "media", Map.of("type", "image", "data", "not base64 at all!")), org, 400, "invalid-body");
        problem(Map.of("to", to, "media", Map.of("type", "gif", "data", "AAAA")), org, 400, "invalid-body");
        problem(Map.of("to", to, "text", "and a text", "media", Map.of("type", "image",
                "data", Base64.getEncoder().encodeToString(png(4, 4)))), org, 400, "invalid-body");
        problem(Map.of("to", to, "media", Map.of("type", "voice", "caption", "no captions on voice notes",
                "data", Base64.getEncoder().encodeToString(oggOpus(1)))), org, 400, "invalid-body");
        as(Tokens.admin()).contentType("multipart/form-data").multiPart("to", to).multiPart("type", "image")
                .post(base(org)).then().statusCode(400).contentType("application/problem+json").body("reason", equalTo("invalid-body"));
        assertEquals(0, as(Tokens.admin()).get(base(org)).then().statusCode(200).extract().jsonPath().getList("items").size(),
                "nothing was queued");
    }

    private static void problem(Map<String, Object> body, UUID org, int status, String reason) {
        as(Tokens.admin()).body(body).post(base(org)).then().statusCode(status).contentType("application/problem+json")
                .body("reason", equalTo(reason));
    }

    private static List<Map<String, Object>> phoneMedia(String phone) {
        List<Map<String, Object>> received = as(Tokens.admin()).get("/sandbox/v1/accounts/" + phone + "/messages").then()
                .statusCode(200).extract().jsonPath().getList("received");
        return received.stream().filter(m -> m.get("media") != null).toList();
    }

    public static byte[] png(int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D graphics = image.createGraphics();
        graphics.setColor(Color.ORANGE);
        graphics.fillRect(0, 0, width, height);
        graphics.setColor(Color.BLUE);
        graphics.fillOval(width / 4, height / 4, width / 2, height / 2);
        graphics.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    public static byte[] pdf(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        byte[] header = "%PDF-1.4\n".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(header, 0, bytes, 0, header.length);
        return bytes;
    }

    /** Ogg pages: OpusHead, OpusTags, then audio pages ending at {@code seconds} (48 kHz granules after a 312-sample pre-skip). */
    public static byte[] oggOpus(int seconds) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] head = new byte[19];
        System.arraycopy("OpusHead".getBytes(StandardCharsets.ISO_8859_1), 0, head, 0, 8);
        head[8] = 1;
        head[9] = 1;
        head[10] = (byte) (312 & 0xFF);
        head[11] = (byte) (312 >> 8);
        int rate = 16_000;
        head[12] = (byte) rate;
        head[13] = (byte) (rate >> 8);
        page(out, 2, 0, 0, head);
        page(out, 0, 0, 1, "OpusTags\0\0\0\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1));
        Random random = new Random(seconds);
        for (int i = 1; i <= seconds; i++) {
            byte[] packet = new byte[200];
            random.nextBytes(packet);
            page(out, i == seconds ? 4 : 0, 312 + 48_000L * i, 1 + i, packet);
        }
        return out.toByteArray();
    }

    private static void page(ByteArrayOutputStream out, int flags, long granule, int sequence, byte[] body) {
        out.writeBytes("OggS".getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        out.write(flags);
        for (int i = 0; i < 8; i++) {
            out.write((int) (granule >> (8 * i)) & 0xFF);
        }
        for (int value : new int[] {1, sequence, 0}) {
            for (int i = 0; i < 4; i++) {
                out.write((value >> (8 * i)) & 0xFF);
            }
        }
        int segments = body.length / 255 + 1;
        out.write(segments);
        for (int i = 0; i < segments - 1; i++) {
            out.write(255);
        }
        out.write(body.length % 255);
        out.writeBytes(body);
    }

    public static byte[] webp(int width, int height) {
        return webp(width, height, 2048);
    }

    /** A VP8X WebP header of the given canvas and size (its pixels are noise: enough to be judged as bytes). */
    static byte[] webp(int width, int height, int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        System.arraycopy("RIFF".getBytes(StandardCharsets.ISO_8859_1), 0, bytes, 0, 4);
        int riff = size - 8;
        bytes[4] = (byte) riff;
        bytes[5] = (byte) (riff >> 8);
        bytes[6] = (byte) (riff >> 16);
        bytes[7] = (byte) (riff >> 24);
        System.arraycopy("WEBPVP8X".getBytes(StandardCharsets.ISO_8859_1), 0, bytes, 8, 8);
        bytes[16] = 10;
        bytes[17] = 0;
        bytes[18] = 0;
        bytes[19] = 0;
        bytes[20] = 0;
        bytes[21] = 0;
        bytes[22] = 0;
        bytes[23] = 0;
        int w = width - 1;
        int h = height - 1;
        bytes[24] = (byte) w;
        bytes[25] = (byte) (w >> 8);
        bytes[26] = (byte) (w >> 16);
        bytes[27] = (byte) h;
        bytes[28] = (byte) (h >> 8);
        bytes[29] = (byte) (h >> 16);
        return bytes;
    }

    public static String sha256(byte[] bytes) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String base(UUID org) {
        return "/api/v1/organizations/" + org + "/whatsapp/messages";
    }
}
