package io.switchboard.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 27, point 4: texts per second through the messages API to WhatsApp (the sandbox in its own
 * process), with the service as deployed (one replica of the packaged jar, pacing off), beside a
 * fleet of real Baileys 6.17.16 sockets sending the same texts through the same sandbox in the same
 * run ({@code src/test/interop/send-fleet.mjs}). Two shapes, each a warm-up round (not counted: new
 * chats, a cold JIT) and then REPEATS rounds: {@value #DEFAULT_ORGS} organizations with
 * {@value #DEFAULT_PER_ORG} texts each to a chat of their own, and one organization with
 * {@value #DEFAULT_ONE_TEXTS} texts over {@value #DEFAULT_CHATS} chats. A round ends when every
 * text is delivered (the recipient phone's receipt came back); its rate is texts over the time from
 * the first request to the last receipt. Run with {@code bin/bench-side-by-side} ({@code SENDING_ONLY=true}
 * runs only this).
 */
@Tag("side-by-side")
class SendingBenchmark {

    static final int DEFAULT_ORGS = 100;
    static final int DEFAULT_PER_ORG = 20;
    static final int DEFAULT_ONE_TEXTS = 1000;
    static final int DEFAULT_CHATS = 10;
    private static final int ORGS = Integer.getInteger("sending.organizations", DEFAULT_ORGS);
    private static final int PER_ORG = Integer.getInteger("sending.texts-per-organization", DEFAULT_PER_ORG);
    private static final int ONE_TEXTS = Integer.getInteger("sending.one-organization-texts", DEFAULT_ONE_TEXTS);
    private static final int CHATS = Integer.getInteger("sending.chats", DEFAULT_CHATS);
    private static final int REPEATS = Integer.getInteger("sidebyside.repeats", 3);
    private static final boolean WITH_BAILEYS = Boolean.parseBoolean(System.getProperty("sidebyside.baileys", "true"));
    private static final String HEAP = System.getProperty("sidebyside.heap", "512m");
    /** Requests the load generator keeps open at once (as many HTTP connections). */
    private static final int IN_FLIGHT = 64;
    private static final long FIRST_RECIPIENT = 17_100_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The sandbox phones of the organizations ({@link SideBySideBenchmark#link}) and of the Baileys accounts. */
    private static final long OURS_FIRST_PHONE = 15_550_000_000L;
    private static final long BAILEYS_FIRST_PHONE = 16_550_000_000L;

    /** One round: texts, seconds to accept them all over REST, to the last server ack, to the last receipt; CPU per text. */
    record Round(int texts, double acceptSeconds, double sentSeconds, double deliveredSeconds, double cpuMillisPerText) {
        double deliveredPerSecond() {
            return texts / deliveredSeconds;
        }
    }

    /** A shape of load: who sends how many texts to whom. */
    record Shape(String label, List<Integer> senders, int perSender, int chatsPerSender) {
    }

    @Test
    void sending() throws Exception {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("quarkus.log.category.\"io.switchboard\".level", "WARN");
        // Pacing protects numbers from WhatsApp's limits, not the service: off, to find the service's ceiling.
        config.put("switchboard.messages.send-rate", "100000");
        config.put("switchboard.messages.send-burst", "100000");
        config.put("switchboard.messages.queue-limit", "100000");
        List<Shape> shapes = List.of(
                new Shape(String.format("%d organizations × %d texts, a chat each", ORGS, PER_ORG), range(ORGS), PER_ORG, 1),
                new Shape(String.format("one organization, %,d texts over %d chats", ONE_TEXTS, CHATS), List.of(0), ONE_TEXTS, CHATS));
        Map<String, List<Round>> ours = new LinkedHashMap<>();
        try (ReplicaCluster cluster = ReplicaCluster.start("sb_send", 18690, 1, Map.of(), config, "2g")) {
            ServiceProcess replica = cluster.replicas.get(0);
            replica.stop();
            replica = replica.with(Map.of(), HEAP);
            cluster.replicas.set(0, replica);
            replica.start();
            List<UUID> organizations = SideBySideBenchmark.link(cluster, replica, ORGS);
            greet(cluster, shapes, 0, OURS_FIRST_PHONE);
            for (Shape shape : shapes) {
                List<Round> rounds = new ArrayList<>();
                for (int r = 0; r <= REPEATS; r++) {
                    Round round = ours(cluster, replica, organizations, shape, r);
                    SideBySideBenchmark.print(String.format("side-by-side: sending, Switchboard, %s, %s: %s", shape.label(),
                            r == 0 ? "warm-up" : "round " + r, describe(round)));
                    if (r > 0) {
                        rounds.add(round);
                    }
                }
                ours.put(shape.label(), rounds);
            }
            assertEquals(0, SideBySideBenchmark.errorLines(replica), "ERROR lines in the replica's log");
            Map<String, List<Round>> baileys = WITH_BAILEYS ? baileys(cluster, shapes) : Map.of();
            for (Shape shape : shapes) {
                table(shape.label(), ours.get(shape.label()), baileys.getOrDefault(shape.label(), List.of()));
            }
        }
    }

    /** Each recipient's phone writes to its sender first: the sandbox knows only numbers that have used it. */
    private static void greet(ReplicaCluster cluster, List<Shape> shapes, int party, long firstSenderPhone) {
        for (Shape shape : shapes) {
            for (int sender : shape.senders()) {
                for (int chat = 0; chat < shape.chatsPerSender(); chat++) {
                    cluster.on(cluster.sandbox).body(Map.of("to", String.valueOf(firstSenderPhone + sender), "text", "hello"))
                            .post("/sandbox/v1/accounts/" + recipient(party, sender, chat) + "/messages").then().statusCode(202);
                }
            }
        }
    }

    private static List<Integer> range(int n) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        return all;
    }

    /** The recipient of sender {@code sender}'s chat {@code chat} ({@code party} keeps ours and Baileys' apart). */
    private static String recipient(int party, int sender, int chat) {
        return String.valueOf(FIRST_RECIPIENT + party * 10_000_000L + sender * 100L + chat);
    }

    private static String describe(Round round) {
        return String.format("%,d texts accepted in %.2f s (%.0f/s), all acked by WhatsApp after %.2f s, all delivered after %.2f s"
                + " (%.0f texts/s); CPU %.2f ms per text", round.texts(), round.acceptSeconds(), round.texts() / round.acceptSeconds(),
                round.sentSeconds(), round.deliveredSeconds(), round.deliveredPerSecond(), round.cpuMillisPerText());
    }

    /**
     * Posts every text of {@code shape} (the senders in turn, each one's chats in turn), at most
     * {@link #IN_FLIGHT} requests open at once, then waits until the database shows each delivered.
     */
    private static Round ours(ReplicaCluster cluster, ServiceProcess replica, List<UUID> organizations, Shape shape, int round)
            throws Exception {
        String token = "Bearer " + cluster.adminToken();
        int total = shape.senders().size() * shape.perSender();
        Vertx vertx = Vertx.vertx();
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(replica.port)
                .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(IN_FLIGHT));
        Semaphore open = new Semaphore(IN_FLIGHT);
        CountDownLatch answered = new CountDownLatch(total);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Map<Long, Long>> cpuBefore = SideBySideBenchmark.cpuByParty(cluster);
        OffsetDateTime from = OffsetDateTime.now(ZoneOffset.UTC);
        long started = System.nanoTime();
        try {
            for (int i = 0; i < shape.perSender(); i++) {
                for (int sender : shape.senders()) {
                    open.acquire();
                    Buffer body = new JsonObject().put("to", recipient(0, sender, i % shape.chatsPerSender()))
                            .put("text", "round " + round + " text " + i).toBuffer();
                    http.request(HttpMethod.POST, ClusterSteps.base(organizations.get(sender)) + "/messages")
                            .compose(request -> request.putHeader("Authorization", token).putHeader("Content-Type", "application/json")
                                    .send(body))
                            .compose(response -> response.body().map(answer -> response.statusCode() == 202 ? null
                                    : response.statusCode() + " " + answer))
                            .onComplete(result -> {
                                if (result.failed() || result.result() != null) {
                                    failures.add(result.failed() ? result.cause().toString() : result.result());
                                }
                                open.release();
                                answered.countDown();
                            });
                }
            }
            assertTrue(answered.await(300, TimeUnit.SECONDS), "every request answered");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        double accepted = (System.nanoTime() - started) / 1e9;
        assertTrue(failures.isEmpty(), failures.size() + " requests failed, first: " + failures.peek());
        String window = "FROM whatsapp_outbound_message WHERE created_at >= '" + from + "'";
        SideBySideBenchmark.awaitCount(cluster, "SELECT count(*) " + window + " AND status IN ('delivered', 'read')", total, 300_000);
        List<Map<Long, Long>> cpuAfter = SideBySideBenchmark.cpuByParty(cluster);
        assertEquals(total, cluster.count("SELECT count(*) " + window), "texts stored");
        assertEquals(0, cluster.count("SELECT count(*) " + window + " AND attempts <> 1"), "texts sent more than once");
        String times = cluster.queryString("SELECT extract(epoch FROM max(s.at) FILTER (WHERE s.status = 'sent') - ?::timestamptz)"
                + " || ' ' || extract(epoch FROM max(s.at) FILTER (WHERE s.status = 'delivered') - ?::timestamptz)"
                + " FROM whatsapp_outbound_status s JOIN whatsapp_outbound_message m ON m.id = s.message_id WHERE m.created_at >= ?",
                from, from, from);
        String[] parts = times.split(" ");
        double perText = 1000.0 / SideBySideBenchmark.clockTicks() / total;
        SideBySideBenchmark.print(String.format("side-by-side: sending, CPU ms per text: replica %.2f, sandbox %.2f, PostgreSQL %.2f",
                SideBySideBenchmark.used(cpuBefore.get(0), cpuAfter.get(0)) * perText,
                SideBySideBenchmark.used(cpuBefore.get(1), cpuAfter.get(1)) * perText,
                SideBySideBenchmark.used(cpuBefore.get(2), cpuAfter.get(2)) * perText));
        return new Round(total, accepted, Double.parseDouble(parts[0]), Double.parseDouble(parts[1]),
                SideBySideBenchmark.used(cpuBefore.get(0), cpuAfter.get(0)) * perText);
    }

    /** The same shapes sent by Baileys 6 sockets (send-fleet.mjs), one Node process, through the same sandbox. */
    private static Map<String, List<Round>> baileys(ReplicaCluster cluster, List<Shape> shapes) throws Exception {
        Path modules = Path.of("src", "test", "interop", "baileys6", "node_modules", "baileys");
        assertTrue(Files.isDirectory(modules), "Baileys 6 is not installed: run npm ci in src/test/interop/baileys6");
        List<String> command = new ArrayList<>(List.of("node", "--max-old-space-size=2048",
                Path.of("src", "test", "interop", "send-fleet.mjs").toString(), "6",
                "ws://127.0.0.1:" + cluster.sandbox.port + "/sandbox/ws/chat", cluster.sandbox.url(), cluster.adminToken(),
                String.valueOf(ORGS), String.valueOf(BAILEYS_FIRST_PHONE), String.valueOf(REPEATS), String.valueOf(IN_FLIGHT)));
        for (Shape shape : shapes) {
            command.add(shape.senders().size() + ":" + shape.perSender() + ":" + shape.chatsPerSender() + ":" + recipient(1, 0, 0));
        }
        Process node = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, List<Round>> rounds = new LinkedHashMap<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                JsonNode phase = JSON.readTree(line);
                switch (phase.get("phase").asText()) {
                    case "linked" -> SideBySideBenchmark.print(String.format("side-by-side: sending, %,d Baileys 6 sockets linked in %.1f s",
                            ORGS, phase.get("seconds").asDouble()));
                    case "round" -> {
                        Shape shape = shapes.get(phase.get("shape").asInt());
                        Round round = new Round(phase.get("texts").asInt(), phase.get("writtenSeconds").asDouble(),
                                phase.get("writtenSeconds").asDouble(), phase.get("deliveredSeconds").asDouble(),
                                phase.get("cpuMillisPerText").asDouble());
                        int r = phase.get("round").asInt();
                        SideBySideBenchmark.print(String.format("side-by-side: sending, Baileys 6, %s, %s: %s", shape.label(),
                                r == 0 ? "warm-up" : "round " + r, describe(round)));
                        if (r > 0) {
                            rounds.computeIfAbsent(shape.label(), k -> new ArrayList<>()).add(round);
                        }
                    }
                    case "failed" -> throw new AssertionError("Baileys send fleet failed: " + phase.get("message").asText());
                    default -> { }
                }
            }
        }
        assertEquals(0, node.waitFor(), "send-fleet.mjs exit code");
        return rounds;
    }

    private static void table(String label, List<Round> ours, List<Round> baileys) {
        SideBySideBenchmark.print("side-by-side | sending: " + label + " — Switchboard" + (baileys.isEmpty() ? "" : " vs Baileys 6.17.16")
                + ", " + REPEATS + " rounds after a warm-up, min / median / max");
        line("texts delivered per second", ours, baileys, Round::deliveredPerSecond);
        line("texts accepted per second (REST; Baileys: written to its socket)", ours, baileys, r -> r.texts() / r.acceptSeconds());
        line("seconds to the last receipt", ours, baileys, Round::deliveredSeconds);
        line("CPU of the sending process per text (ms)", ours, baileys, Round::cpuMillisPerText);
    }

    private static void line(String what, List<Round> ours, List<Round> baileys, java.util.function.Function<Round, Double> figure) {
        String theirs = baileys.isEmpty() ? "" : "   Baileys " + SideBySideBenchmark.triple(SideBySideBenchmark.stats(baileys, figure));
        SideBySideBenchmark.print("side-by-side |   " + what + ": Switchboard " + SideBySideBenchmark.triple(SideBySideBenchmark.stats(ours,
                figure)) + theirs);
    }
}
