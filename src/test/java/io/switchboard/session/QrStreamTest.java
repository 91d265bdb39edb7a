package io.switchboard.session;

import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.session.SessionFlows.scan;
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
        HttpRequest request = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + base(org) + "/qrcode/stream"))
                .header("Authorization", "Bearer " + Tokens.admin())
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(20))
                .build();
        CompletableFuture<HttpResponse<String>> body = HttpClient.newHttpClient()
                .sendAsync(request, HttpResponse.BodyHandlers.ofString());
        Thread.sleep(500);
        scan(qr, phone());
        String events = body.get(20, TimeUnit.SECONDS).body();
        assertTrue(events.contains("\"type\":\"qr\""), events);
        assertTrue(events.contains("data:image/png;base64,"), events);
        assertTrue(events.contains("\"type\":\"connected\""), events);
        assertTrue(events.indexOf("\"type\":\"qr\"") < events.indexOf("\"type\":\"connected\""));
    }
}
