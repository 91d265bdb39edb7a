package io.switchboard.session;

import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.build.Jwt;
import io.switchboard.support.Tokens;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** QR streams are bounded: heartbeats keep them alive, the token's expiry ends them, a caller may hold only a few. */
@QuarkusTest
class QrStreamBoundsTest {

    @TestHTTPResource("/")
    URL root;

    private static String tokenFor(String subject, long seconds) {
        return Jwt.issuer(Tokens.ISSUER).subject(subject).groups(Set.of("admin")).expiresIn(seconds).sign();
    }

    private CompletableFuture<HttpResponse<String>> open(UUID org, String token) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + base(org) + "/qrcode/stream"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(30)).build();
        return HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aStreamBeatsAndEndsWithItsToken() throws Exception {
        UUID org = createOrganization("Beating");
        qrFrom(org, "init-baileys");
        long opened = System.nanoTime();
        String events = open(org, tokenFor("beating", 4)).get(20, TimeUnit.SECONDS).body();
        long millis = (System.nanoTime() - opened) / 1_000_000;
        assertTrue(events.contains("\"type\":\"qr\""), events);
        assertTrue(events.contains(":heartbeat"), "a heartbeat comment every second here: " + events);
        assertTrue(millis < 8000, "the stream outlived its token: " + millis + " ms");
        as(Tokens.admin()).delete(base(org) + "/disconnect").then().statusCode(200);
    }

    @Test
    void aCallerMayHoldOnlyAFewStreams() throws Exception {
        UUID org = createOrganization("Crowded");
        qrFrom(org, "init-baileys");
        String token = tokenFor("crowded", 4);
        List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            streams.add(open(org, token));
        }
        Thread.sleep(1000);
        as(token).get(base(org) + "/qrcode/stream").then().statusCode(429)
                .contentType("application/problem+json").body("reason", equalTo("too-many-streams"));
        for (CompletableFuture<HttpResponse<String>> stream : streams) {
            stream.get(20, TimeUnit.SECONDS);
        }
        as(Tokens.admin()).delete(base(org) + "/disconnect").then().statusCode(200);
    }
}
