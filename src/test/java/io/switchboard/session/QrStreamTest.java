package io.switchboard.session;

import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.session.SessionFlows.scan;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** GET …/qrcode/stream: Server-Sent Events with the QR, then the final connected event. */
@QuarkusTest
class QrStreamTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void streamsTheQrThenConnected() throws Exception {
        UUID org = createOrganization("Streaming");
        String qr = qrFrom(org, "init-baileys").getString("qr");
        CompletableFuture<HttpResponse<String>> body = stream(org);
        Thread.sleep(500);
        scan(qr, phone());
        String events = body.get(20, TimeUnit.SECONDS).body();
        assertTrue(events.contains("\"type\":\"qr\""), events);
        assertTrue(events.contains("data:image/png;base64,"), events);
        assertTrue(events.contains("\"type\":\"connected\""), events);
        assertTrue(events.indexOf("\"type\":\"qr\"") < events.indexOf("\"type\":\"connected\""));
    }

    @Test
    void streamsTheLinkCodeWhenOneIsAskedFor() throws Exception {
        UUID org = createOrganization("Streaming a code");
        qrFrom(org, "init-baileys");
        CompletableFuture<HttpResponse<String>> body = stream(org);
        Thread.sleep(500);
        String phone = phone();
        io.restassured.response.Response answer = as(Tokens.admin()).body(java.util.Map.of("phoneNumber", phone))
                .post(base(org) + "/pairing-code");
        long deadline = System.currentTimeMillis() + 10_000;
        while (answer.statusCode() == 202 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            answer = as(Tokens.admin()).body(java.util.Map.of("phoneNumber", phone)).post(base(org) + "/pairing-code");
        }
        String code = answer.then().statusCode(200).extract().path("code");
        Thread.sleep(500);
        as(Tokens.admin()).body(java.util.Map.of("phone", phone, "code", code)).post("/sandbox/v1/pair-code").then().statusCode(200);
        String events = body.get(20, TimeUnit.SECONDS).body();
        assertTrue(events.contains("\"code\":\"" + code + "\""), events);
        assertTrue(events.indexOf("\"code\":\"" + code + "\"") < events.indexOf("\"type\":\"connected\""), events);
    }

    /** Opens the QR stream; the body completes when the stream ends (connected or failed). */
    private CompletableFuture<HttpResponse<String>> stream(UUID org) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + base(org) + "/qrcode/stream"))
                .header("Authorization", "Bearer " + Tokens.admin())
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(20))
                .build();
        return HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }
}
