package io.switchboard.interop;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.interop.BaileysJudge.Release;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One real Baileys account in groups ({@code e2e.mjs … group-member PHONE}): commands go to its
 * stdin as JSON lines; every step it prints is kept, so a test can wait for what it saw.
 */
final class GroupMember implements AutoCloseable {

    final Release release;
    final String phone;
    private final Process process;
    private final List<JsonNode> steps = new CopyOnWriteArrayList<>();
    private final List<String> raw = new CopyOnWriteArrayList<>();

    private GroupMember(Release release, String phone, String root) throws IOException {
        this.release = release;
        this.phone = phone;
        this.process = BaileysJudge.startScenario(release, root, List.of("group-member", phone), line -> {
            raw.add(line);
            try {
                steps.add(BaileysJudge.json().readTree(line));
            } catch (IOException e) {
                // not a step (a stray log line)
            }
        });
    }

    static GroupMember start(Release release, String phone, String root) throws IOException {
        return new GroupMember(release, phone, root);
    }

    /** Sends one command. */
    void command(Map<String, Object> command) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((BaileysJudge.json().writeValueAsString(command) + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Sends {@code command} and waits for the step it answers with ({@code answer}), or fails on command-failed. */
    JsonNode ask(Map<String, Object> command, String answer) throws Exception {
        int from = steps.size();
        command(command);
        return await(answer, step -> true, from, 60);
    }

    /** The first step named {@code name} matching {@code test}, waiting up to {@code seconds}. */
    JsonNode await(String name, Predicate<JsonNode> test, int seconds) throws InterruptedException {
        return await(name, test, 0, seconds);
    }

    private JsonNode await(String name, Predicate<JsonNode> test, int from, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            for (int i = from; i < steps.size(); i++) {
                JsonNode step = steps.get(i);
                String kind = step.path("step").asText();
                if ("failed".equals(kind) || ("command-failed".equals(kind) && i >= from && from > 0)) {
                    throw new AssertionError("Baileys " + release + " " + phone + ": " + step);
                }
                if (name.equals(kind) && test.test(step)) {
                    return step;
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("Baileys " + release + " " + phone + " ended: " + raw);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Baileys " + release + " " + phone + " never printed " + name + "; it printed " + raw);
    }

    /** Every step named {@code name} so far. */
    List<JsonNode> all(String name) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode step : steps) {
            if (name.equals(step.path("step").asText())) {
                found.add(step);
            }
        }
        return found;
    }

    @Override
    public void close() {
        try {
            command(Map.of("op", "end"));
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
