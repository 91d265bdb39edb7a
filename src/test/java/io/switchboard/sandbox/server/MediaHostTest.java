package io.switchboard.sandbox.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's media host as a strict judge of uploads, reached over real HTTPS with its own
 * certificate trusted (verification on): a blob with the right token is kept and downloaded
 * byte-exact (ranges too); an unknown auth token, a token that is not the blob's hash, a flipped
 * byte and a blob without its MAC are refused; an expired file answers 404.
 */
class MediaHostTest {

    private static Vertx vertx;
    private static MediaHost host;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        host = new MediaHost(vertx, Instant.now());
        host.start(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("sandbox", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(host.certificatePem().getBytes())));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, factory.getTrustManagers(), null);
        http = HttpClient.newBuilder().sslContext(tls).build();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    @Test
    void aCorrectUploadIsKeptAndServedAndEveryFlawIsRefused() throws Exception {
        String auth = auth();
        byte[] blob = new byte[16 * 100 + 10];
        new Random(1).nextBytes(blob);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(blob));

        HttpResponse<String> kept = upload("/mms/image/" + token, auth, token, blob);
        assertEquals(200, kept.statusCode(), kept.body());
        JsonObject answer = new JsonObject(kept.body());
        String directPath = answer.getString("direct_path");
        assertTrue(answer.getString("url").startsWith("https://" + host.hostname() + directPath), answer.encode());
        HttpResponse<byte[]> download = http.send(HttpRequest.newBuilder(URI.create("https://" + host.hostname() + directPath
                + "&hash=x&mms-type=image&__wa-mms=")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        assertArrayEquals(blob, download.body());
        HttpResponse<byte[]> range = http.send(HttpRequest.newBuilder(URI.create("https://" + host.hostname() + directPath))
                .header("Range", "bytes=16-31").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, range.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(blob, 16, 32), range.body());
        // The token padded (as whatsmeow writes it) is the same token.
        assertEquals(200, upload("/mms/document/" + token + "=", auth, token + "=", blob).statusCode());

        long refusedBefore = host.refused();
        assertEquals(401, upload("/mms/image/" + token, "not-a-token", token, blob).statusCode(), "unknown auth");
        byte[] flipped = blob.clone();
        flipped[40] ^= 1;
        assertEquals(400, upload("/mms/image/" + token, auth, token, flipped).statusCode(), "a flipped byte");
        byte[] noMac = java.util.Arrays.copyOf(blob, blob.length - 10);
        String noMacToken = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(noMac));
        assertEquals(400, upload("/mms/image/" + noMacToken, auth, noMacToken, noMac).statusCode(), "no MAC");
        assertEquals(400, upload("/mms/image/" + token, auth, "another", blob).statusCode(), "the token parameter differs");
        assertEquals(refusedBefore + 4, host.refused());

        assertEquals(1, host.expire(directPath));
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("https://" + host.hostname() + directPath)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    @Test
    void mediaConnNamesTheHostAndEveryAttributeWhatsmeowRequires() {
        Node iq = Node.of("iq", Map.of("id", "m1", "type", "set", "xmlns", "w:m"));
        Node result = host.mediaConn(iq, Instant.now());
        Node conn = result.child("media_conn").orElseThrow();
        for (String attribute : List.of("auth", "ttl", "auth_ttl", "max_buckets")) {
            assertTrue(conn.attribute(attribute).isPresent(), attribute);
        }
        assertEquals(host.hostname(), conn.child("host").orElseThrow().attribute("hostname").orElseThrow());
    }

    private static String auth() {
        Node result = host.mediaConn(Node.of("iq", Map.of("id", "m0", "type", "set", "xmlns", "w:m")), Instant.now());
        return result.child("media_conn").orElseThrow().attribute("auth").orElseThrow();
    }

    private static HttpResponse<String> upload(String path, String auth, String token, byte[] blob) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://" + host.hostname() + path + "?auth=" + auth + "&token=" + token))
                .header("Origin", "https://web.whatsapp.com").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
