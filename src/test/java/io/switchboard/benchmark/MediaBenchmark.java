package io.switchboard.benchmark;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Tokens;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Media through the service and the sandbox, in one JVM: ten organizations each send a 50 MB
 * document at once (multipart, read from disk), each accepted, encrypted into PostgreSQL,
 * uploaded and downloaded and checked by a sandbox phone; then ten 10 MB files phones send are
 * downloaded through the API at once. Prints MB/s both ways and the heap: the largest live heap
 * (after a collection) and the largest heap in use while the ten 50 MB documents were in flight.
 * Run with {@code bin/bench}.
 */
@QuarkusTest
@TestProfile(OutboxBenchmark.Unpaced.class)
@Tag("benchmark")
class MediaBenchmark {

    private static final int FILES = 10;
    private static final int SEND_SIZE = 50 * 1024 * 1024;
    private static final int RECEIVE_SIZE = 10 * 1024 * 1024;

    @Test
    void tenFiftyMegabyteDocumentsAtOnce() throws Exception {
        Path dir = Files.createTempDirectory("media-bench");
        List<UUID> orgs = new ArrayList<>();
        List<String> recipients = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            String ours = randomPhone("1601");
            String theirs = randomPhone("1602");
            UUID org = linkedOrganization("Media bench " + i, ours);
            as(Tokens.admin()).body(Map.of("to", ours, "text", "hello")).post("/sandbox/v1/accounts/" + theirs + "/messages")
                    .then().statusCode(202);
            orgs.add(org);
            recipients.add(theirs);
            Path file = dir.resolve("doc-" + i + ".pdf");
            writeDocument(file, SEND_SIZE, i);
            files.add(file);
        }
        for (int round = 0; round < 3; round++) {
            sendRound(round, orgs, recipients, files);
        }
        receiveRound(orgs, recipients);
        for (Path file : files) {
            Files.deleteIfExists(file);
        }
    }

    private void sendRound(int round, List<UUID> orgs, List<String> recipients, List<Path> files) throws Exception {
        System.gc();
        HeapWatch watch = HeapWatch.start();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(FILES);
        List<Future<String>> ids = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            int n = i;
            ids.add(pool.submit(() -> upload(orgs.get(n), recipients.get(n), files.get(n))));
        }
        List<String> accepted = new ArrayList<>();
        for (Future<String> id : ids) {
            accepted.add(id.get());
        }
        double acceptedSeconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        long deadline = System.currentTimeMillis() + 600_000;
        for (int i = 0; i < FILES; i++) {
            String path = "/api/v1/organizations/" + orgs.get(i) + "/whatsapp/messages/" + accepted.get(i);
            while (!"delivered".equals(as(Tokens.admin()).get(path).then().extract().path("status"))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("document " + i + " not delivered: " + as(Tokens.admin()).get(path).asString());
                }
                Thread.sleep(200);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        HeapWatch.Peak peak = watch.stop();
        double megabytes = (double) FILES * SEND_SIZE / (1024 * 1024);
        System.out.printf("media: round %d: %d × %d MB documents accepted in %.1f s, delivered (uploaded, downloaded and checked by"
                + " the phones) in %.1f s: %.1f MB/s sent; heap: live after GC at most %d MB, in use at most %d MB%n", round, FILES,
                SEND_SIZE / (1024 * 1024), acceptedSeconds, seconds, megabytes / seconds, peak.liveMb(), peak.usedMb());
    }

    /**
     * A multipart upload streamed from the file (the JDK's client, the file part read from disk as it
     * goes), so the client in this JVM holds no file either; answers the message id.
     */
    private static String upload(UUID org, String to, Path file) throws Exception {
        String boundary = "bench" + UUID.randomUUID();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\n" + to + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ndocument\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file.getFileName()
                + "\"\r\nContent-Type: application/pdf\r\n\r\n";
        java.net.http.HttpRequest.BodyPublisher body = java.net.http.HttpRequest.BodyPublishers.concat(
                java.net.http.HttpRequest.BodyPublishers.ofString(head), java.net.http.HttpRequest.BodyPublishers.ofFile(file),
                java.net.http.HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n"));
        java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port
                        + "/api/v1/organizations/" + org + "/whatsapp/messages"))
                .header("Authorization", "Bearer " + Tokens.admin())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary).POST(body).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 202) {
            throw new AssertionError("upload answered " + answer.statusCode() + ": " + answer.body());
        }
        return new io.vertx.core.json.JsonObject(answer.body()).getString("id");
    }

    private void receiveRound(List<UUID> orgs, List<String> recipients) throws Exception {
        String ourPhone;
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            ourPhone = as(Tokens.admin()).get("/api/v1/organizations/" + orgs.get(i) + "/whatsapp/status").then().extract()
                    .path("phoneNumber");
            byte[] file = new byte[RECEIVE_SIZE];
            new Random(i).nextBytes(file);
            System.arraycopy("%PDF-1.4\n".getBytes(StandardCharsets.ISO_8859_1), 0, file, 0, 9);
            as(Tokens.admin()).body(Map.of("to", ourPhone, "media", Map.of("type", "document", "mimetype", "application/pdf",
                    "fileName", "in-" + i + ".pdf", "data", Base64.getEncoder().encodeToString(file))))
                    .post("/sandbox/v1/accounts/" + recipients.get(i) + "/messages").then().statusCode(202);
        }
        for (UUID org : orgs) {
            long deadline = System.currentTimeMillis() + 60_000;
            String url = null;
            while (url == null && System.currentTimeMillis() < deadline) {
                List<Map<String, Object>> items = as(Tokens.admin()).get("/api/v1/organizations/" + org
                        + "/whatsapp/messages?direction=in").then().extract().jsonPath().getList("items");
                url = items.stream().filter(item -> item.get("media") != null).map(item -> (String) ((Map<?, ?>) item.get("media"))
                        .get("downloadUrl")).findFirst().orElse(null);
                Thread.sleep(100);
            }
            urls.add(url);
        }
        for (int round = 0; round < 3; round++) {
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(FILES);
            AtomicLong bytes = new AtomicLong();
            List<Future<?>> downloads = new ArrayList<>();
            for (String url : urls) {
                downloads.add(pool.submit(() -> bytes.addAndGet(download(url))));
            }
            for (Future<?> download : downloads) {
                download.get();
            }
            pool.shutdown();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("media: round %d: %d × %d MB received files downloaded through the API at once (fetched, verified,"
                    + " decrypted) in %.2f s: %.1f MB/s%n", round, FILES, RECEIVE_SIZE / (1024 * 1024), seconds,
                    bytes.get() / (1024.0 * 1024) / seconds);
        }
    }

    /** Downloads {@code url} counting its bytes as they stream (the client keeps none); answers how many. */
    private static long download(String url) throws Exception {
        java.net.http.HttpResponse<java.io.InputStream> answer = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(io.restassured.RestAssured.baseURI + ":"
                        + io.restassured.RestAssured.port + url)).header("Authorization", "Bearer " + Tokens.admin()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        if (answer.statusCode() != 200) {
            throw new AssertionError("download answered " + answer.statusCode());
        }
        long count = 0;
        try (java.io.InputStream in = answer.body()) {
            byte[] buffer = new byte[64 * 1024];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                count += read;
            }
        }
        return count;
    }

    private static void writeDocument(Path file, int size, int seed) throws Exception {
        Random random = new Random(seed);
        byte[] chunk = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                if (written == 0) {
                    System.arraycopy("%PDF-1.4\n".getBytes(StandardCharsets.ISO_8859_1), 0, chunk, 0, 9);
                }
                out.write(chunk, 0, Math.min(chunk.length, size - written));
            }
        }
    }

    /** Samples the heap every 20 ms: in use, and live after the last collection of each pool. */
    private static final class HeapWatch {
        record Peak(long liveMb, long usedMb) {
        }

        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong live = new AtomicLong();
        private final AtomicLong used = new AtomicLong();
        private Thread thread;

        static HeapWatch start() {
            HeapWatch watch = new HeapWatch();
            watch.thread = new Thread(() -> {
                while (watch.running.get()) {
                    long liveNow = 0;
                    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                        if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                            liveNow += pool.getCollectionUsage().getUsed();
                        }
                    }
                    watch.live.accumulateAndGet(liveNow, Math::max);
                    watch.used.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            watch.thread.setDaemon(true);
            watch.thread.start();
            return watch;
        }

        Peak stop() throws InterruptedException {
            running.set(false);
            thread.join();
            return new Peak(live.get() / (1024 * 1024), used.get() / (1024 * 1024));
        }
    }
}
