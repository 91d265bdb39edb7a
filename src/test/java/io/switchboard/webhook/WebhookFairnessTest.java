package io.switchboard.webhook;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.events.EventStore;
import io.switchboard.support.Tokens;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One tenant's slow receivers cannot stall another's webhooks: an organization whose four
 * endpoints answer 200 and then send a byte every half second (never finishing) has events in
 * eight conversations; another organization's event still arrives within 10 s. Each trickling
 * attempt ends at the hard deadline ({@code switchboard.webhooks.timeout}, 3 s in tests), the
 * trickler never has more than the per-organization cap open at once, and an attempt whose claim
 * was taken over records nothing.
 */
@QuarkusTest
class WebhookFairnessTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Inject
    EventStore events;

    @Inject
    WebhookStore store;

    @Inject
    WebhookConfig config;

    @Inject
    Pool pool;

    private ServerSocket trickler;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger mostOpen = new AtomicInteger();
    private volatile boolean running = true;
    private HttpServer receiver;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<String> hosts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startReceivers() throws IOException {
        // Every loopback address (127.0.0.2, .3, …): four endpoints on four hosts, as four receivers elsewhere would be.
        trickler = new ServerSocket();
        trickler.bind(new InetSocketAddress("0.0.0.0", 0), 50);
        Thread acceptor = new Thread(() -> {
            while (running) {
                try {
                    Socket socket = trickler.accept();
                    Thread handler = new Thread(() -> trickle(socket));
                    handler.setDaemon(true);
                    handler.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        // Where "localhost" resolves first (127.0.0.1 or ::1): the address an attempt connects to.
        receiver = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getByName("localhost"), 0), 0);
        receiver.createContext("/hooks", exchange -> {
            hosts.add(exchange.getRequestHeaders().getFirst("Host"));
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceivers() throws IOException {
        running = false;
        trickler.close();
        receiver.stop(0);
    }

    /** Reads the request, answers 200 with a chunked body, then one byte every 500 ms until the sender hangs up. */
    private void trickle(Socket socket) {
        int now = open.incrementAndGet();
        mostOpen.accumulateAndGet(now, Math::max);
        try (socket) {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            StringBuilder request = new StringBuilder();
            while (!request.toString().contains("\r\n\r\n")) {
                int n = in.read(buffer);
                if (n < 0) {
                    return;
                }
                request.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (running) {
                out.write("1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(500);
            }
        } catch (IOException e) {
            // the sender gave up: what the deadline is for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.decrementAndGet();
        }
    }

    @Test
    void tricklingReceiversOfOneOrganizationLeaveAnotherOrganizationsDeliveries() {
        UUID slow = createOrganization("Trickling receivers");
        for (int i = 0; i < 4; i++) {
            webhook(slow, "http://127.0.0." + (2 + i) + ":" + trickler.getLocalPort() + "/hooks/" + i);
        }
        for (int i = 0; i < 8; i++) {
            append(slow, "conversation-" + i, "slow " + i);
        }
        await("the trickling receivers are being called").atMost(WAIT).until(() -> open.get() > 0);

        UUID other = createOrganization("Well-behaved receiver");
        // By name: the attempt connects to the address it checked, and the request still says the name.
        webhook(other, "http://localhost:" + receiver.getAddress().getPort() + "/hooks");
        long started = System.nanoTime();
        append(other, "conversation-0", "the other tenant");
        await("the other organization's event").atMost(Duration.ofSeconds(10))
                .until(() -> received.stream().anyMatch(body -> body.contains("the other tenant")));
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("webhook fairness: 4 trickling endpoints x 8 conversations of one organization; another's event"
                + " delivered in %d ms; at most %d trickling attempts open at once%n", millis, mostOpen.get());

        assertTrue(hosts.contains("localhost:" + receiver.getAddress().getPort()), "Host keeps the name: " + hosts);
        assertTrue(mostOpen.get() <= config.perOrganization(), "one organization holds at most its cap of slots: "
                + mostOpen.get());
        await("trickling attempts recorded").atMost(Duration.ofSeconds(15)).until(() -> attempts(slow) >= 4);
        long deadline = config.timeout().toMillis();
        long longest = pool.preparedQuery("SELECT max(a.latency_ms) FROM webhook_attempt a JOIN webhook_delivery d ON d.id ="
                + " a.delivery_id WHERE d.organization_id = $1").execute(Tuple.of(slow)).await().atMost(WAIT).iterator().next()
                .getLong(0);
        assertTrue(longest <= deadline + 1_000, "an attempt ends at the deadline (" + deadline + " ms), took " + longest);
    }

    @Test
    void onlyTheAttemptHoldingTheCurrentClaimRecordsItsOutcome() {
        UUID org = createOrganization("Claims taken over");
        UUID endpoint = UUID.fromString(webhook(org, "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks"));
        append(org, "c", "claimed twice");
        UUID delivery = await().atMost(WAIT).until(() -> deliveryOf(org), id -> id != null);
        await("the first delivery done").atMost(WAIT).until(() -> "delivered".equals(status(delivery)));
        // As if the first attempt's claim had expired and another attempt had claimed the delivery since.
        OffsetDateTime first = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(30).truncatedTo(ChronoUnit.MICROS);
        OffsetDateTime second = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(5).truncatedTo(ChronoUnit.MICROS);
        pool.preparedQuery("UPDATE webhook_delivery SET status = 'delivering', claimed_by = 'replica-x', claimed_until = $2,"
                + " next_attempt_at = now() + interval '1 hour' WHERE id = $1").execute(Tuple.of(delivery, second))
                .await().atMost(WAIT);
        int attemptsBefore = attemptsOf(delivery);
        WebhookStore.Due stale = new WebhookStore.Due(delivery, endpoint, org, "http://x", 0, 1, Instant.now(), first);
        store.attempted(stale, "replica-x", 2, 500, 3_000, "answered 500", "late", "pending", Instant.now()).await().atMost(WAIT);
        assertEquals("delivering", status(delivery), "the stale attempt changed nothing");
        assertEquals(attemptsBefore, attemptsOf(delivery), "and recorded no attempt");
        WebhookStore.Due current = new WebhookStore.Due(delivery, endpoint, org, "http://x", 0, 1, Instant.now(), second);
        store.attempted(current, "replica-x", 2, 204, 10, null, null, "delivered", null).await().atMost(WAIT);
        assertEquals("delivered", status(delivery), "the current claim's attempt finishes it");
        assertEquals(attemptsBefore + 1, attemptsOf(delivery));
    }

    private String webhook(UUID org, String url) {
        return as(Tokens.admin()).body(Map.of("url", url, "events", List.of("message.received")))
                .post("/api/v1/organizations/" + org + "/webhooks").then().statusCode(201).extract().path("id");
    }

    private void append(UUID org, String conversation, String text) {
        pool.withTransaction(connection -> events.append(connection, org, EventStore.MESSAGE_RECEIVED, conversation,
                new JsonObject().put("text", text))).await().atMost(WAIT);
    }

    private long attempts(UUID org) {
        return pool.preparedQuery("SELECT count(*) FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id"
                + " WHERE d.organization_id = $1").execute(Tuple.of(org)).await().atMost(WAIT).iterator().next().getLong(0);
    }

    private UUID deliveryOf(UUID org) {
        var rows = pool.preparedQuery("SELECT id FROM webhook_delivery WHERE organization_id = $1").execute(Tuple.of(org))
                .await().atMost(WAIT);
        return rows.size() == 0 ? null : rows.iterator().next().getUUID(0);
    }

    private String status(UUID delivery) {
        return pool.preparedQuery("SELECT status FROM webhook_delivery WHERE id = $1").execute(Tuple.of(delivery))
                .await().atMost(WAIT).iterator().next().getString(0);
    }

    private int attemptsOf(UUID delivery) {
        return pool.preparedQuery("SELECT count(*) FROM webhook_attempt WHERE delivery_id = $1").execute(Tuple.of(delivery))
                .await().atMost(WAIT).iterator().next().getInteger(0);
    }
}
