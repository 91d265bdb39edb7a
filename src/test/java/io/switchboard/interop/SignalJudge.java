package io.switchboard.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One libsignal-node party ({@code src/test/interop/signal.mjs}) in one of the builds WhatsApp
 * clients run, asked over JSON lines. A missing build fails loudly.
 */
final class SignalJudge implements AutoCloseable {

    /** The libsignal builds: Baileys 6's, Baileys 7's, and the strict emscripten one. */
    enum Build {
        BAILEYS6("baileys6"), BAILEYS7("baileys7"), LIBSIGNAL2("libsignal2");

        final String folder;

        Build(String folder) {
            this.folder = folder;
        }
    }

    private final Process process;
    private final BufferedWriter requests;
    private final BufferedReader answers;
    private long nextId = 1;

    private SignalJudge(Build build) throws IOException {
        Path modules = BaileysJudge.HARNESS.resolve(build.folder).resolve("node_modules").resolve("libsignal");
        if (!Files.isDirectory(modules)) {
            throw new IllegalStateException("libsignal is not installed at " + modules + "; run bin/test (npm ci in "
                    + BaileysJudge.HARNESS.resolve(build.folder) + ")");
        }
        process = new ProcessBuilder("node", BaileysJudge.HARNESS.resolve("signal.mjs").toString(), build.folder)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static SignalJudge start(Build build) throws IOException {
        return new SignalJudge(build);
    }

    ObjectNode request(String op) {
        return BaileysJudge.json().createObjectNode().put("op", op);
    }

    /** The answer, or a {@link JudgeError} carrying libsignal's error name and message. */
    JsonNode ask(ObjectNode request) throws IOException {
        long id = nextId++;
        request.put("id", id);
        requests.write(BaileysJudge.json().writeValueAsString(request));
        requests.write('\n');
        requests.flush();
        String line = answers.readLine();
        if (line == null) {
            throw new IllegalStateException("the Signal judge exited");
        }
        JsonNode answer = BaileysJudge.json().readTree(line);
        if (!answer.path("ok").asBoolean()) {
            throw new BaileysJudge.JudgeError(answer.path("error").asText());
        }
        return answer;
    }

    @Override
    public void close() {
        process.destroy();
    }
}
