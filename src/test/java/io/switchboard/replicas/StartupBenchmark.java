package io.switchboard.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 27, point 2: how long a replica takes from the launch of its process to a ready answer
 * ({@code /q/health/ready} 200, polled every 10 ms), and what it spends that time on, read from its
 * own log: the JVM and Quarkus until Flyway connects, the migrations, the rest of the start (Hibernate,
 * the pools, the replica's start-up duties) until Quarkus says "started", and from there to ready.
 * Two databases: a new one (every migration runs) and a migrated one with no organization. Variants
 * of the JVM, interleaved within each round so that the machine's drift falls on all alike: as the JVM
 * image runs it ({@code replicas.jvm-options}), with the AppCDS archive the package built (if it did:
 * {@code -Dquarkus.package.jar.appcds.enabled=true}), and with an archive of the classes a whole start
 * loaded (a training run: one start with {@code -XX:ArchiveClassesAtExit}, stopped cleanly); and, where a JDK 25
 * is installed ({@code -Dstartup.jdk25}), the same jar on JDK 25 alone and with an AOT cache (JEP 483/514) of a
 * whole start (a training run with {@code -XX:AOTCacheOutput}). A warm-up
 * round (the page cache) and then REPEATS rounds. Also prints the CPU the process spent until ready and
 * its resident memory then. Run with {@code bin/bench-side-by-side} ({@code STARTUP_ONLY=true} runs only this).
 */
@Tag("side-by-side")
class StartupBenchmark {

    private static final int REPEATS = Integer.getInteger("sidebyside.repeats", 3);
    private static final Path BUILT_ARCHIVE = Path.of("target", "quarkus-app", "app-cds.jsa");
    private static final Path TRAINED_ARCHIVE = Path.of("target", "replicas", "start-trained.jsa").toAbsolutePath();
    private static final Path AOT_CACHE = Path.of("target", "replicas", "start-trained.aot").toAbsolutePath();
    private static final String JDK25 = System.getProperty("startup.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64");
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    private static final Pattern STARTED_IN = Pattern.compile("started in ([0-9.]+)s");

    /** One start: milliseconds from launch to each phase's end, Quarkus's own figure, CPU to ready, RSS at ready. */
    record Start(double untilFlyway, double flyway, double untilStarted, double untilReady, double quarkusSays,
            double cpuMillis, double rssMegabytes) {
    }

    /** A way to run the replica: the JDK, the options of each start, and those of a training start before the rounds (or none). */
    record Variant(String label, String javaHome, String options, String training) {
    }

    @Test
    void startToReady() throws Exception {
        String jdk17 = System.getProperty("java.home");
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("JDK 17, as the JVM image", jdk17, "", null));
        if (Files.exists(BUILT_ARCHIVE)) {
            variants.add(new Variant("JDK 17 + the package's AppCDS archive", jdk17,
                    "-XX:SharedArchiveFile=" + BUILT_ARCHIVE.toAbsolutePath() + " -Xshare:auto", null));
        } else {
            SideBySideBenchmark.print("side-by-side: startup: no " + BUILT_ARCHIVE + " (package with -Dquarkus.package.jar.appcds.enabled=true)");
        }
        variants.add(new Variant("JDK 17 + an archive of a whole start", jdk17, "-XX:SharedArchiveFile=" + TRAINED_ARCHIVE + " -Xshare:auto",
                "-XX:ArchiveClassesAtExit=" + TRAINED_ARCHIVE));
        if (Files.isExecutable(Path.of(JDK25, "bin", "java"))) {
            // The same jar (Java 17 bytecode) on JDK 25, and with its AOT cache (JEP 483/514) of a whole start.
            variants.add(new Variant("JDK 25", JDK25, "", null));
            variants.add(new Variant("JDK 25 + an AOT cache of a whole start", JDK25, "-XX:AOTCache=" + AOT_CACHE,
                    "-XX:AOTCacheOutput=" + AOT_CACHE));
        } else {
            SideBySideBenchmark.print("side-by-side: startup: no JDK 25 at " + JDK25 + " (-Dstartup.jdk25=...; STARTUP_JDK25= in the script)");
        }
        Map<String, List<Start>> results = new LinkedHashMap<>();
        try (ReplicaCluster cluster = ReplicaCluster.start("sb_start", 18790, 1, Map.of(), Map.of())) {
            ServiceProcess replica = cluster.replicas.get(0);
            replica.stop();
            for (Variant variant : variants) {
                if (variant.training() != null) {
                    Path archive = Path.of(variant.training().substring(variant.training().indexOf('=') + 1));
                    Files.deleteIfExists(archive);
                    ServiceProcess training = replica.withJava(variant.javaHome()).withJvmOptions(variant.training());
                    training.start();
                    training.stop();
                    SideBySideBenchmark.print(String.format("side-by-side: startup: %s: trained %s, %.0f MB", variant.label(), archive,
                            Files.exists(archive) ? Files.size(archive) / 1e6 : 0));
                }
            }
            long ticks = SideBySideBenchmark.clockTicks();
            for (int round = 0; round <= REPEATS; round++) {
                for (boolean fresh : new boolean[] {true, false}) {
                    for (Variant variant : variants) {
                        if (fresh) {
                            cluster.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
                        }
                        Start start = start(replica.withJava(variant.javaHome()).withJvmOptions(variant.options()), ticks);
                        String label = (fresh ? "new database" : "migrated database") + ", " + variant.label();
                        SideBySideBenchmark.print(String.format("side-by-side: startup, %s, %s: ready after %.0f ms (JVM and Quarkus"
                                + " until Flyway %.0f, migrations %.0f, on to 'started' %.0f; Quarkus says %.0f ms), CPU %.0f ms,"
                                + " RSS %.0f MB", label, round == 0 ? "warm-up" : "round " + round, start.untilReady(),
                                start.untilFlyway(), start.flyway(), start.untilStarted() - start.untilFlyway() - start.flyway(),
                                start.quarkusSays(), start.cpuMillis(), start.rssMegabytes()));
                        if (round > 0) {
                            results.computeIfAbsent(label, k -> new ArrayList<>()).add(start);
                        }
                    }
                }
            }
            assertEquals(0, SideBySideBenchmark.errorLines(replica), "ERROR lines in the replica's log");
        }
        SideBySideBenchmark.print(String.format("side-by-side: start to ready, %d rounds, min / median / max (ms), this machine", REPEATS));
        results.forEach((label, starts) -> SideBySideBenchmark.print(String.format(
                "side-by-side:   %-58s ready %s | until Flyway %s | migrations %s | Quarkus says %s | CPU %s | RSS %s MB", label,
                whole(SideBySideBenchmark.stats(starts, Start::untilReady)), whole(SideBySideBenchmark.stats(starts, Start::untilFlyway)),
                whole(SideBySideBenchmark.stats(starts, Start::flyway)), whole(SideBySideBenchmark.stats(starts, Start::quarkusSays)),
                whole(SideBySideBenchmark.stats(starts, Start::cpuMillis)), whole(SideBySideBenchmark.stats(starts, Start::rssMegabytes)))));
    }

    private static String whole(double[] v) {
        return String.format("%.0f / %.0f / %.0f", v[0], v[1], v[2]);
    }

    /** Starts {@code replica}, reads the phases from the lines its start added to the log, and stops it. */
    private static Start start(ServiceProcess replica, long ticks) throws Exception {
        Path log = Path.of("target", "replicas", replica.name + ".log");
        long offset = Files.exists(log) ? Files.size(log) : 0;
        long launched = System.currentTimeMillis();
        long launchedNanos = System.nanoTime();
        replica.start();
        double ready = (System.nanoTime() - launchedNanos) / 1e6;
        double cpu = SideBySideBenchmark.cpuTicks(replica.pid()) * 1000.0 / ticks;
        double rss = SideBySideBenchmark.rss(replica.pid()) / 1e6;
        replica.stop();
        byte[] all = Files.readAllBytes(log);
        String added = new String(all, (int) offset, all.length - (int) offset, StandardCharsets.UTF_8);
        long flywayFrom = -1;
        long flywayTo = -1;
        long started = -1;
        double quarkus = Double.NaN;
        for (String line : added.split("\n")) {
            if (line.length() < 23 || !Character.isDigit(line.charAt(0))) {
                continue;
            }
            long at = LocalDateTime.parse(line.substring(0, 23), LOG_TIME).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
            if (line.contains("org.flywaydb") && flywayFrom < 0) {
                flywayFrom = at;
            }
            if (line.contains("Successfully applied") || line.contains("No migration necessary")) {
                flywayTo = at;
            }
            Matcher matcher = STARTED_IN.matcher(line);
            if (line.contains("[io.quarkus]") && matcher.find()) {
                started = at;
                quarkus = Double.parseDouble(matcher.group(1)) * 1000;
            }
        }
        if (flywayFrom < 0 || flywayTo < 0 || started < 0) {
            throw new IllegalStateException("the start's log lines were not found in " + log + " (Flyway's lines and Quarkus's"
                    + " 'started in'); the log level of org.flywaydb and io.quarkus must be INFO");
        }
        return new Start(flywayFrom - launched, flywayTo - flywayFrom, started - launched, ready, quarkus, cpu, rss);
    }
}
