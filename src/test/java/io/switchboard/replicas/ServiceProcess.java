package io.switchboard.replicas;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}) run as a real process in the
 * prod profile, configured by system properties, its output in {@code target/replicas/NAME.log}.
 * Can be killed (-9), frozen (SIGSTOP), woken (SIGCONT), stopped cleanly and started again.
 */
final class ServiceProcess {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final int port;
    private final Map<String, String> properties;
    private final String heap;
    /** JVM options after the {@code replicas.jvm-options} ones (a variant of one start). */
    private final String jvmExtra;
    /** The JDK that runs it: the tests' own unless a variant names another. */
    private final String javaHome;
    private volatile Process process;

    ServiceProcess(String name, int port, Map<String, String> properties) {
        this(name, port, properties, "256m");
    }

    ServiceProcess(String name, int port, Map<String, String> properties, String heap) {
        this(name, port, properties, heap, "", System.getProperty("java.home"));
    }

    private ServiceProcess(String name, int port, Map<String, String> properties, String heap, String jvmExtra, String javaHome) {
        this.name = name;
        this.port = port;
        this.properties = properties;
        this.heap = heap;
        this.jvmExtra = jvmExtra;
        this.javaHome = javaHome;
    }

    /** The same replica started with {@code options} added to its JVM options. */
    ServiceProcess withJvmOptions(String options) {
        return new ServiceProcess(name, port, properties, heap, options, javaHome);
    }

    /** The same replica run by the JDK at {@code home}. */
    ServiceProcess withJava(String home) {
        return new ServiceProcess(name, port, properties, heap, jvmExtra, home);
    }

    /** The same replica (name, port) started with {@code extra} configuration and a maximum heap of {@code heap}. */
    ServiceProcess with(Map<String, String> extra, String heap) {
        Map<String, String> merged = new java.util.LinkedHashMap<>(properties);
        merged.putAll(extra);
        return new ServiceProcess(name, port, merged, heap, jvmExtra, javaHome);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Starts the process and waits until it is ready (PostgreSQL answered, HTTP up). */
    ServiceProcess start() throws IOException, InterruptedException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run the package phase first (./mvnw verify does)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(javaHome, "bin", "java").toString());
        command.add("-Xmx" + heap);
        String extraJvm = (System.getProperty("replicas.jvm-options", "") + " " + jvmExtra).replace("{name}", name);
        for (String option : extraJvm.split(" ")) {
            if (!option.isBlank()) {
                command.add(option);
            }
        }
        command.add("-Dquarkus.http.port=" + port);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(JAR.toString());
        Path logs = Path.of("target", "replicas");
        Files.createDirectories(logs);
        File log = logs.resolve(name + ".log").toFile();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        // The replica names itself after its host, as a pod does: the stored owner tells which process it is.
        builder.environment().put("HOSTNAME", name);
        process = builder.start();
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            if (ready()) {
                return this;
            }
            // Often enough that the time a start takes (StartupBenchmark) is measured to a few milliseconds.
            Thread.sleep(10);
        }
        throw new IllegalStateException(name + " not ready within " + START_DEADLINE + "; see " + log);
    }

    private boolean ready() {
        try {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: Quarkus shuts down cleanly (hands its connections over). */
    void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    void wake() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " failed");
        }
    }
}
