package io.switchboard.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.switchboard.support.Tokens;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A running real Baileys release ({@code src/test/interop/judge.mjs}), asked questions over
 * JSON lines. Fails loudly when Node or the judge's packages are missing: an absent judge must
 * never pass for an agreeing one.
 */
public final class BaileysJudge implements AutoCloseable {

    public enum Release {
        V6("6", 2), V7("7", 3);

        final String argument;
        public final int dictionaryVersion;

        Release(String argument, int dictionaryVersion) {
            this.argument = argument;
            this.dictionaryVersion = dictionaryVersion;
        }
    }

    static final Path HARNESS = Path.of("src", "test", "interop");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Release release;
    private final Process process;
    private final BufferedWriter requests;
    private final BufferedReader answers;
    private long nextId = 1;

    private BaileysJudge(Release release) throws IOException {
        this.release = release;
        Path modules = HARNESS.resolve("baileys" + release.argument).resolve("node_modules").resolve("baileys");
        if (!Files.isDirectory(modules)) {
            throw new IllegalStateException("Baileys judge " + release + " is not installed at " + modules
                    + "; run bin/test (it runs npm ci in src/test/interop/baileys6 and baileys7)");
        }
        process = new ProcessBuilder("node", HARNESS.resolve("judge.mjs").toString(), release.argument)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    public static BaileysJudge start(Release release) {
        try {
            return new BaileysJudge(release);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start node for the Baileys judge", e);
        }
    }

    public Release release() {
        return release;
    }

    public static ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    /** Sends one request and waits for its answer; a judge error becomes {@link JudgeError}. */
    public synchronized JsonNode ask(ObjectNode request) {
        long id = nextId++;
        request.put("id", id);
        try {
            requests.write(JSON.writeValueAsString(request));
            requests.write('\n');
            requests.flush();
            String line = answers.readLine();
            if (line == null) {
                throw new IllegalStateException("Baileys judge " + release + " exited");
            }
            JsonNode answer = JSON.readTree(line);
            if (answer.path("id").asLong() != id) {
                throw new IllegalStateException("judge answered out of order: " + line);
            }
            if (!answer.path("ok").asBoolean()) {
                throw new JudgeError(answer.path("error").asText());
            }
            return answer;
        } catch (IOException e) {
            throw new IllegalStateException("talking to the Baileys judge failed", e);
        }
    }

    /**
     * Starts {@code e2e.mjs} with {@code release} against the service at {@code root} (its sandbox
     * and admin API), in the mode {@code arguments} name; each output line is printed and handed to
     * {@code lines} as it comes.
     */
    static Process startScenario(Release release, String root, List<String> arguments, Consumer<String> lines)
            throws IOException {
        Process process = scenarioProcess(release, root, arguments);
        String label = label(release, arguments);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    System.out.println(label + line);
                    lines.accept(line);
                }
            } catch (IOException e) {
                lines.accept("{\"step\":\"failed\",\"message\":\"output unreadable: " + e.getMessage() + "\"}");
            }
        });
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    /**
     * Waits (90 s at most) for a scenario line containing {@code marker} and answers it; a
     * {@code failed} step fails the test with Baileys' message.
     */
    static String awaitLine(java.util.concurrent.BlockingQueue<String> lines, String marker) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) {
                continue;
            }
            if (line.contains("\"step\":\"failed\"")) {
                throw new AssertionError("Baileys: " + line);
            }
            if (line.contains(marker)) {
                return line;
            }
        }
        throw new AssertionError("Baileys never printed " + marker);
    }

    /** Runs a scenario to its end (three minutes at most) and answers its lines; fails unless it exits 0. */
    static List<String> runScenario(Release release, String root, List<String> arguments) throws Exception {
        Process process = scenarioProcess(release, root, arguments);
        String label = label(release, arguments);
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                System.out.println(label + line);
                lines.add(line);
            }
        }
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("Baileys scenario did not end: " + String.join("\n", lines));
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("Baileys scenario failed: " + String.join("\n", lines));
        }
        return lines;
    }

    private static Process scenarioProcess(Release release, String root, List<String> arguments) throws IOException {
        Path work = Files.createTempDirectory("baileys-e2e");
        List<String> command = new ArrayList<>(List.of("node", HARNESS.resolve("e2e.mjs").toString(), release.argument,
                root.replace("http://", "ws://") + "/sandbox/ws/chat", root, Tokens.admin(), work.toString()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // Node trusts the sandbox's media host (HTTPS with its own certificate) with verification on, as a CA.
        Path certificate = work.resolve("media-ca.pem");
        Files.writeString(certificate, mediaCertificate(root));
        builder.environment().put("NODE_EXTRA_CA_CERTS", certificate.toString());
        return builder.start();
    }

    private static String mediaCertificate(String root) throws IOException {
        try {
            java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create(root + "/sandbox/v1/media-ca")).header("Authorization", "Bearer " + Tokens.admin())
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IOException("GET /sandbox/v1/media-ca answered " + answer.statusCode());
            }
            return JSON.readTree(answer.body()).path("certificate").asText();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static String label(Release release, List<String> arguments) {
        return "[baileys" + release.argument + (arguments.isEmpty() ? "" : " " + arguments.get(0)) + "] ";
    }

    public static ObjectMapper json() {
        return JSON;
    }

    @Override
    public void close() {
        try {
            requests.close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

    /** Baileys refused the request (for example, it could not decode the bytes). */
    public static final class JudgeError extends RuntimeException {
        JudgeError(String message) {
            super(message);
        }
    }
}
