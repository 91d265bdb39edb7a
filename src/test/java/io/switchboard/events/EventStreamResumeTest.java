package io.switchboard.events;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.switchboard.support.Tokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A stream resumed with {@code Last-Event-ID} gets what was written meanwhile at once, in commit
 * order from the position after the id: not only when the next event is written or the slow poll
 * (5 s, the safety net behind LISTEN) comes round.
 */
@QuarkusTest
class EventStreamResumeTest {

    @Test
    void aResumedStreamGetsItsBacklogAtOnce() throws Exception {
        UUID org = createOrganization("Resumed stream");
        as(Tokens.admin()).post("/api/v1/organizations/" + org + "/whatsapp/init-baileys").then().statusCode(anyOf(is(200), is(202)));
        HttpRequest request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                + "/api/v1/organizations/" + org + "/whatsapp/events")).header("Authorization", "Bearer " + Tokens.admin())
                .header("Accept", "text/event-stream").header("Last-Event-ID", "1").build();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        CompletableFuture<HttpResponse<Stream<String>>> response = HttpClient.newHttpClient()
                .sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        Thread reader = new Thread(() -> {
            try {
                response.get(10, TimeUnit.SECONDS).body().forEach(lines::add);
            } catch (Exception e) {
                lines.add("failed: " + e);
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            // Well inside the 5 s safety poll: the backlog is read when the stream opens.
            String id = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (id == null && System.nanoTime() < deadline) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith("id:")) {
                    id = line.substring(3).trim();
                }
            }
            assertNotNull(id, "the events after id 1 came at once");
            assertEquals("2", id, "resumed right after the id given, in commit order");
        } finally {
            response.cancel(true);
        }
    }
}
