package io.switchboard.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The service beside the real Baileys, both linked to one sandbox running in its own process:
 * per fleet size N, heap and RSS per idle session, the time to log all N in again with stored
 * credentials, CPU while idle, and (for the service) {@code GET …/status} latency beside
 * {@code /q/health/live} under the same load. Each figure is taken {@code repeats} times and printed
 * as min/median/max. Run with {@code bin/bench-side-by-side}; sizes and repeats are system properties.
 */
@Tag("side-by-side")
class SideBySideBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Integer> SIZES = sizes(System.getProperty("sidebyside.sizes", "50,1000"));
    private static final List<Integer> OURS_ONLY = sizes(System.getProperty("sidebyside.ours-only", "10000"));
    private static final int REPEATS = Integer.getInteger("sidebyside.repeats", 3);
    private static final int IDLE_SECONDS = Integer.getInteger("sidebyside.idle-seconds", 45);
    private static final String HEAP = System.getProperty("sidebyside.heap", "512m");
    private static final boolean WITH_BAILEYS = Boolean.parseBoolean(System.getProperty("sidebyside.baileys", "true"));
    /** Only link N and adopt them cold (default ceilings, none), with a timeline of the adaptive limit each second. */
    private static final boolean ADOPTION_ONLY = Boolean.parseBoolean(System.getProperty("sidebyside.adoption-only", "false"));
    /** Extra service configuration, {@code key=value,key=value} (to try other pacing, say). */
    private static final Map<String, String> SERVICE_CONFIG = config(System.getProperty("sidebyside.service-config", ""));
    private static final int BAILEYS_CONCURRENCY = 64;
    private static final int STATUS_RATE = 1000;
    private static final int STATUS_SECONDS = 10;
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    /** ColdAdoption's ceilings removed: the adaptive limit alone paces the logins. */
    private static final Map<String, String> CEILINGS_OFF = Map.of("switchboard.whatsapp.adoption-rate", "1000000",
            "switchboard.whatsapp.adoption-concurrency", "1000000");

    /** Every figure is also appended here as it comes: a long run's output survives whatever ends it. */
    static final Path RESULTS = Path.of("target", "side-by-side.txt");

    private final List<String> table = new ArrayList<>() {
        @Override
        public boolean add(String line) {
            // As it comes (a long run shows its figures early), and again together at the end.
            print("side-by-side: " + line);
            return super.add(line);
        }
    };

    static void print(String line) {
        System.out.println(line);
        try {
            Files.writeString(RESULTS, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + RESULTS, e);
        }
    }

    @Test
    void sideBySide() throws Exception {
        for (int n : SIZES) {
            measure(n, WITH_BAILEYS);
        }
        for (int n : OURS_ONLY) {
            measure(n, false);
        }
        print("side-by-side: " + REPEATS + " repeats each, min / median / max; machine: "
                + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ", JDK " + System.getProperty("java.version") + ", service -Xmx" + HEAP + " "
                + System.getProperty("replicas.jvm-options", ""));
        table.forEach(line -> print("side-by-side | " + line));
    }

    /**
     * Two replicas, as deployed. N organizations are linked through A; then each repeat is a
     * rolling-deploy step: the replica holding them all stops cleanly and the other (running,
     * warmed by the earlier steps) logs all N in; the stopped one starts again, empty. The first
     * handover (to a replica that never logged anyone in) is reported apart, as is a cold start.
     */
    private void measure(int n, boolean withBaileys) throws Exception {
        Map<String, String> config = new java.util.LinkedHashMap<>(SERVICE_CONFIG);
        config.put("quarkus.log.category.\"io.switchboard\".level", "WARN");
        try (ReplicaCluster cluster = ReplicaCluster.start("sb_side_" + n, 18590, 2, Map.of(), config, "3g")) {
            for (int i = 0; i < 2; i++) {
                cluster.replicas.get(i).stop();
                cluster.replicas.set(i, cluster.replicas.get(i).with(Map.of(), HEAP));
                cluster.replicas.get(i).start();
            }
            ServiceProcess holder = cluster.replicas.get(0);
            ServiceProcess other = cluster.replicas.get(1);
            Thread.sleep(3000);
            long[] empty = memory(holder);

            List<UUID> organizations = link(cluster, holder, n);
            if (ADOPTION_ONLY) {
                other.stop();
                holder.stop();
                for (int r = 0; r < REPEATS; r++) {
                    for (boolean ceilings : new boolean[] {true, false}) {
                        ServiceProcess cold = holder.with(ceilings ? Map.of() : CEILINGS_OFF, HEAP);
                        cluster.replicas.set(0, cold);
                        coldAdoption(cluster, cold, n, ceilings);
                        cold.stop();
                        profile(cold, n, ceilings, r);
                    }
                }
                return;
            }
            Relogin firstHandover = null;
            List<Sample> ours = new ArrayList<>();
            for (int r = 0; r <= REPEATS; r++) {
                ServiceProcess stopping = holder;
                Relogin relogin = relogin(cluster, n, () -> {
                    long stopStarted = System.nanoTime();
                    stopping.stop();
                    print(String.format("side-by-side: clean stop (handover) of the replica holding %,d: %.2f s", n,
                            (System.nanoTime() - stopStarted) / 1e9));
                });
                stopping.start();
                holder = other;
                other = stopping;
                if (r == 0) {
                    firstHandover = relogin;
                    continue;
                }
                Thread.sleep(5000);
                long[] used = memory(holder);
                print(String.format("side-by-side: the replica holding %,d: heap %.0f MB after full GC, RSS %.0f MB (empty: %.0f / %.0f MB)",
                        n, used[0] / 1e6, used[1] / 1e6, empty[0] / 1e6, empty[1] / 1e6));
                double cpu = idleCpuMillisPerMinute(holder.pid());
                SandboxKeepalives keepalives = keepalives(cluster);
                double[] latency = statusAndHealth(cluster, holder, organizations);
                ours.add(new Sample(relogin.seconds(), relogin.cpuMillisPerLogin(), (used[0] - empty[0]) / (double) n,
                        (used[1] - empty[1]) / (double) n, cpu,
                        latency, keepalives));
            }
            long errors = errorLines(holder) + errorLines(other);
            // Cold adoptions: every replica stopped (the empty one first, so nobody takes the released claims),
            // then one replica starts with a fresh JVM and logs all N in — with the default ceilings, and with
            // the ceilings removed (the adaptive limit alone), alternately, REPEATS times each.
            other.stop();
            holder.stop();
            int coldIndex = cluster.replicas.indexOf(holder);
            List<ColdAdoption> defaults = new ArrayList<>();
            List<ColdAdoption> unbounded = new ArrayList<>();
            for (int r = 0; r < REPEATS; r++) {
                for (boolean ceilings : new boolean[] {true, false}) {
                    ServiceProcess cold = holder.with(ceilings ? Map.of() : CEILINGS_OFF, HEAP);
                    cluster.replicas.set(coldIndex, cold);
                    ColdAdoption adoption = coldAdoption(cluster, cold, n, ceilings);
                    (ceilings ? defaults : unbounded).add(adoption);
                    cold.stop();
                    profile(cold, n, ceilings, r);
                }
            }
            cluster.replicas.set(coldIndex, holder);

            table.add(String.format("N = %,d — Switchboard (one JVM, -Xmx%s)%s", n, HEAP,
                    withBaileys ? " vs Baileys 6.17.16 (one Node process)" : ""));
            List<Sample> baileys = withBaileys ? baileys(cluster, "6", n) : List.of();
            row("heap per idle session (KB, after full GC, minus empty process)", ours, baileys, s -> s.heapBytes / 1024, false);
            row("RSS per idle session (KB, minus empty process)", ours, baileys, s -> s.rssBytes / 1024, false);
            row("re-login of all N, default pacing (s)", ours, baileys, s -> s.reloginSeconds, false);
            row("re-login rate, default pacing (sessions/s)", ours, baileys, s -> n / s.reloginSeconds, true);
            table.add(String.format("  first handover (to a replica that never logged anyone in): %.2f s (%.0f/s)", firstHandover.seconds(),
                    n / firstHandover.seconds()));
            adoptionRows(n, defaults, "cold start, default ceilings");
            adoptionRows(n, unbounded, "cold start, ceilings removed");
            row("CPU of the logging-in process per login (ms)", ours, baileys, s -> s.cpuMillisPerLogin, false);
            row("CPU while idle (ms per minute)", ours, baileys, s -> s.idleCpuMillisPerMinute, false);
            row("GET …/status p99 (ms)", ours, List.of(), s -> s.latency[1], false);
            row("/q/health/live p99 (ms), same load", ours, List.of(), s -> s.latency[3], false);
            row("GET …/status p50 (ms)", ours, List.of(), s -> s.latency[0], false);
            row("/q/health/live p50 (ms)", ours, List.of(), s -> s.latency[2], false);
            row("longest keepalive silence seen by the sandbox (s)", ours, List.of(), s -> s.keepalives.longestSilenceMillis / 1000.0,
                    false);
            table.add(String.format("  service log: %d ERROR lines; sandbox: %d devices logged in", errors,
                    ours.get(ours.size() - 1).keepalives.connections));
            if (withBaileys && n <= 50) {
                List<Sample> seven = baileys(cluster, "7", n);
                table.add(String.format("N = %,d — Switchboard vs Baileys 7.0.0-rc14", n));
                row("heap per idle session (KB)", ours, seven, s -> s.heapBytes / 1024, false);
                row("re-login of all N, default pacing (s)", ours, seven, s -> s.reloginSeconds, false);
            }
        }
    }

    /** A cold replica's adoption of all N: time, CPU, what stood down, and the most the limit and the lags reached. */
    record ColdAdoption(double seconds, double cpuMillisPerLogin, double leaseLosses, long renewalWarnings, double maxLimit,
            double maxLoopDelayMillis, double maxRenewalLagMillis, double maxClaimAgeMillis) { }

    /**
     * Starts {@code cold} (every other replica stopped) and waits until it logged all N in, sampling its adoption
     * limit, event-loop delay and renewal lag every 200 ms; then reads how many sessions it stood down.
     */
    private static ColdAdoption coldAdoption(ReplicaCluster cluster, ServiceProcess cold, int n, boolean ceilings) throws Exception {
        long warningsBefore = logLines(cold, "could not be renewed in time", "connection claims failed");
        double[] peaks = new double[4];
        String[] lastError = {null};
        java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            int samples = 0;
            while (sampling.get()) {
                try {
                    if (cold.alive()) {
                        String metrics = cluster.on(cold).get("/q/metrics").then().statusCode(200).extract().asString();
                        double limit = value(metrics, "switchboard_adoption_limit ");
                        double loop = value(metrics, "switchboard_event_loop_delay_seconds ") * 1000;
                        double lag = value(metrics, "switchboard_lease_renewal_lag_seconds ") * 1000;
                        peaks[0] = Math.max(peaks[0], limit);
                        peaks[1] = Math.max(peaks[1], loop);
                        peaks[2] = Math.max(peaks[2], lag);
                        // The longest a claim went from its last renewal (or claim) statement to the next: it is trusted for 4 s.
                        peaks[3] = Math.max(peaks[3], value(metrics, "switchboard_lease_claim_age_seconds_max ") * 1000);
                        if (ADOPTION_ONLY && ++samples % 5 == 0) {
                            System.out.printf("side-by-side trace: limit %.0f, in flight %.0f, event-loop delay %.0f ms, renewal lag %.0f ms,"
                                    + " connected %.0f%n", limit, value(metrics, "switchboard_adoption_inflight "), loop, lag,
                                    value(metrics, "switchboard_whatsapp_sessions{state=\"CONNECTED\""));
                        }
                    }
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception | AssertionError notUpYet) {
                    // Not answering yet (starting); the next sample tries again.
                    lastError[0] = notUpYet.toString();
                }
            }
        }, "adoption-sampler");
        sampler.start();
        Relogin relogin;
        try {
            relogin = relogin(cluster, n, cold::start);
            Thread.sleep(2000);
        } finally {
            sampling.set(false);
            sampler.join();
        }
        if (peaks[0] == 0) {
            print("side-by-side: the adoption sampler read no figures: " + lastError[0]);
        }
        double losses = cluster.metric(cold, "switchboard_whatsapp_lease_losses_total");
        // Claims whose row a transaction held when their renewal came (retried on their own): tells a stand-down for
        // busy rows from one for renewals running late.
        double busy = cluster.metric(cold, "switchboard_lease_renewals_busy_total");
        long warnings = logLines(cold, "could not be renewed in time", "connection claims failed") - warningsBefore;
        ColdAdoption adoption = new ColdAdoption(relogin.seconds(), relogin.cpuMillisPerLogin(), losses, warnings, peaks[0], peaks[1], peaks[2],
                peaks[3]);
        print(String.format("side-by-side: cold start (%s) adopted %,d in %.2f s: %.0f sessions stood down, %d renewal warnings,"
                + " %.0f renewals found a row busy; limit up to %.0f, event-loop delay up to %.0f ms, renewal lag up to %.0f ms,"
                + " a claim unrenewed for up to %.0f ms", ceilings ? "default ceilings" : "ceilings removed", n, adoption.seconds, losses,
                warnings, busy, peaks[0], peaks[1], peaks[2], peaks[3]));
        return adoption;
    }

    /**
     * When the replicas run with a flight recording ({@code bin/profile-cold-start} sets
     * {@code -XX:StartFlightRecording=filename=target/replicas/{name}.jfr}), the stopped cold replica's
     * recording is kept under a name of its own and its top frames printed.
     */
    private static void profile(ServiceProcess cold, int n, boolean ceilings, int repeat) throws java.io.IOException {
        java.nio.file.Path recording = java.nio.file.Path.of("target", "replicas", cold.name + ".jfr");
        if (!java.nio.file.Files.exists(recording)) {
            return;
        }
        java.nio.file.Path kept = recording.resolveSibling(String.format("cold-%d-%s-%d.jfr", n, ceilings ? "defaults" : "unbounded",
                repeat + 1));
        java.nio.file.Files.move(recording, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (String line : JfrTopFrames.report(kept, 25).split("\n")) {
            print("side-by-side profile: " + line);
        }
    }

    private void adoptionRows(int n, List<ColdAdoption> runs, String what) {
        double[] seconds = stats(runs, ColdAdoption::seconds);
        table.add(String.format("  %-62s %s s (%.0f–%.0f sessions/s); CPU per login %s ms", what + ": all N logged in",
                triple(seconds), n / seconds[2], n / seconds[0], triple(stats(runs, ColdAdoption::cpuMillisPerLogin))));
        table.add(String.format("  %-62s %s / %s / %s", what + ": stood down, renewal warnings, top limit",
                triple(stats(runs, ColdAdoption::leaseLosses)), triple(stats(runs, a -> (double) a.renewalWarnings())),
                triple(stats(runs, ColdAdoption::maxLimit))));
        table.add(String.format("  %-62s %s / %s / %s", what + ": event-loop delay, renewal lag, claim unrenewed, top (ms)",
                triple(stats(runs, ColdAdoption::maxLoopDelayMillis)), triple(stats(runs, ColdAdoption::maxRenewalLagMillis)),
                triple(stats(runs, ColdAdoption::maxClaimAgeMillis))));
    }

    /** One row: our min/median/max, Baileys' and how many times better we are (median against median). */
    private void row(String what, List<Sample> ours, List<Sample> baileys, Function<Sample, Double> figure, boolean higherIsBetter) {
        double[] us = stats(ours, figure);
        if (baileys.isEmpty()) {
            table.add(String.format("  %-62s %s", what, triple(us)));
            return;
        }
        double[] them = stats(baileys, figure);
        double ratio = higherIsBetter ? us[1] / them[1] : them[1] / us[1];
        table.add(String.format("  %-62s %s | Baileys %s | %.1f× %s", what, triple(us), triple(them), ratio,
                ratio >= 1 ? "better" : "worse"));
    }

    static String triple(double[] v) {
        return String.format("%.2f / %.2f / %.2f", v[0], v[1], v[2]);
    }

    static <T> double[] stats(List<T> samples, Function<T, Double> figure) {
        double[] values = samples.stream().mapToDouble(figure::apply).sorted().toArray();
        return new double[] {values[0], values[values.length / 2], values[values.length - 1]};
    }

    record SandboxKeepalives(int connections, long pings, long longestSilenceMillis) { }

    record Sample(double reloginSeconds, double cpuMillisPerLogin, double heapBytes, double rssBytes, double idleCpuMillisPerMinute,
            double[] latency, SandboxKeepalives keepalives) { }

    /** A re-login: how long it took and the CPU the logging-in process spent per login. */
    record Relogin(double seconds, double cpuMillisPerLogin) { }

    /** Links N organizations through the service (QR, scan by the sandbox's phone) and waits until all are connected. */
    static List<UUID> link(ReplicaCluster cluster, ServiceProcess service, int n) throws Exception {
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<UUID>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long phone = 15_550_000_000L + i;
            calls.add(pool.submit(() -> ClusterSteps.linkAs(cluster, service, "Side " + phone, phone)));
        }
        List<UUID> organizations = new ArrayList<>();
        for (Future<UUID> call : calls) {
            organizations.add(call.get());
        }
        pool.shutdown();
        awaitCount(cluster, "SELECT count(*) FROM whatsapp_session WHERE state = 'CONNECTED'", n, 600_000);
        print(String.format("side-by-side: %,d organizations linked in %.1f s", n, (System.nanoTime() - started) / 1e9));
        return organizations;
    }

    /** Something that makes the fleet log in again (a replica stopping or starting). */
    interface Trigger {
        void run() throws Exception;
    }

    /**
     * Runs {@code trigger} and waits until all N organizations logged in again; answers the seconds
     * from the first login requested to the last logged in (the database's transition times), and
     * prints the CPU each party used per login: the replicas, the sandbox, PostgreSQL.
     */
    private static Relogin relogin(ReplicaCluster cluster, int n, Trigger trigger) throws Exception {
        long after = cluster.count("SELECT coalesce(max(id), 0) FROM whatsapp_session_transition");
        List<Map<Long, Long>> before = cpuByParty(cluster);
        trigger.run();
        awaitCount(cluster, "SELECT count(*) FROM whatsapp_session_transition WHERE event = 'LOGGED_IN' AND id > " + after, n, 600_000);
        List<Map<Long, Long>> used = cpuByParty(cluster);
        String seconds = cluster.queryString("SELECT extract(epoch FROM max(at) FILTER (WHERE event = 'LOGGED_IN')"
                + " - min(at) FILTER (WHERE event = 'LOGIN_REQUESTED')) FROM whatsapp_session_transition WHERE id > " + after);
        double perLogin = 1000.0 / clockTicks() / n;
        double replicas = used(before.get(0), used.get(0)) * perLogin;
        print(String.format("side-by-side: re-login of %,d in %s s; CPU ms per login: replicas %.2f, sandbox %.2f, PostgreSQL %.2f", n,
                seconds, replicas, used(before.get(1), used.get(1)) * perLogin, used(before.get(2), used.get(2)) * perLogin));
        return new Relogin(Double.parseDouble(seconds), replicas);
    }

    /** CPU ticks so far by process id, for the running replicas (0), the sandbox (1) and PostgreSQL's processes (2). */
    static List<Map<Long, Long>> cpuByParty(ReplicaCluster cluster) throws IOException {
        Map<Long, Long> replicas = new java.util.HashMap<>();
        for (ServiceProcess replica : cluster.replicas) {
            if (replica.alive()) {
                replicas.put(replica.pid(), cpuTicks(replica.pid()));
            }
        }
        Map<Long, Long> postgres = new java.util.HashMap<>();
        try (var processes = Files.list(Path.of("/proc"))) {
            for (Path dir : (Iterable<Path>) processes::iterator) {
                String name = dir.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)) {
                    try {
                        if (Files.readString(dir.resolve("comm")).trim().startsWith("postgres")) {
                            postgres.put(Long.parseLong(name), cpuTicks(Long.parseLong(name)));
                        }
                    } catch (IOException gone) {
                        // The process ended meanwhile.
                    }
                }
            }
        }
        return List.of(replicas, Map.of(cluster.sandbox.pid(), cpuTicks(cluster.sandbox.pid())), postgres);
    }

    /** Ticks used between two readings by the processes alive at the second (a new process counts from zero). */
    static long used(Map<Long, Long> before, Map<Long, Long> after) {
        return after.entrySet().stream().mapToLong(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L)).sum();
    }

    static void awaitCount(ReplicaCluster cluster, String sql, long count, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        long seen;
        while ((seen = cluster.count(sql)) < count) {
            assertTrue(System.currentTimeMillis() < deadline, seen + " of " + count + ": " + sql);
            Thread.sleep(200);
        }
    }

    /** Heap used after full collections (jcmd) and the resident set (/proc), in bytes. */
    private static long[] memory(ServiceProcess service) throws Exception {
        jcmd(service.pid(), "GC.run");
        jcmd(service.pid(), "GC.run");
        Matcher used = HEAP_USED.matcher(jcmd(service.pid(), "GC.heap_info"));
        assertTrue(used.find(), "jcmd GC.heap_info names the heap used");
        return new long[] {Long.parseLong(used.group(1)) * 1024, rss(service.pid())};
    }

    private static String jcmd(long pid, String command) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid), command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        return output;
    }

    static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    /** CPU (user + system) the process used during IDLE_SECONDS of idleness, per minute. */
    private static double idleCpuMillisPerMinute(long pid) throws Exception {
        long before = cpuTicks(pid);
        long started = System.nanoTime();
        Thread.sleep(IDLE_SECONDS * 1000L);
        long ticks = cpuTicks(pid) - before;
        double seconds = (System.nanoTime() - started) / 1e9;
        return ticks * 1000.0 / clockTicks() / seconds * 60;
    }

    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static long clockTicks() throws Exception {
        Process process = new ProcessBuilder("getconf", "CLK_TCK").start();
        String value = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        process.waitFor();
        return Long.parseLong(value);
    }

    private static SandboxKeepalives keepalives(ReplicaCluster cluster) throws IOException {
        JsonNode view = JSON.readTree(cluster.on(cluster.sandbox).get("/sandbox/v1/keepalives").then().statusCode(200)
                .extract().asString());
        return new SandboxKeepalives(view.get("connections").asInt(), view.get("pings").asLong(),
                view.get("longestSilenceMillis").asLong());
    }

    /**
     * STATUS_RATE requests per second for STATUS_SECONDS (after 2 s not recorded), alternating {@code GET …/status} (the
     * organizations round-robin) and {@code /q/health/live}; answers status p50, p99, health p50, p99 in ms.
     */
    private static double[] statusAndHealth(ReplicaCluster cluster, ServiceProcess service, List<UUID> organizations)
            throws Exception {
        String token = "Bearer " + cluster.adminToken();
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        io.vertx.core.http.HttpClient http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                .setDefaultHost("127.0.0.1").setDefaultPort(service.port).setKeepAlive(true),
                new io.vertx.core.http.PoolOptions().setHttp1MaxSize(256));
        ConcurrentLinkedQueue<Long> status = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> health = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        int perTick = STATUS_RATE / 100;
        long[] sent = {0};
        long recordFrom = System.nanoTime() + 2_000_000_000L;
        long ticker = vertx.setPeriodic(10, t -> {
            for (int i = 0; i < perTick; i++) {
                long k = sent[0]++;
                boolean isStatus = k % 2 == 0;
                String uri = isStatus ? ClusterSteps.base(organizations.get((int) (k / 2 % organizations.size()))) + "/status"
                        : "/q/health/live";
                long start = System.nanoTime();
                http.request(io.vertx.core.http.HttpMethod.GET, uri)
                        .compose(request -> {
                            if (isStatus) {
                                request.putHeader("Authorization", token);
                            }
                            return request.send();
                        })
                        .compose(response -> response.body().map(body -> response.statusCode()))
                        .onComplete(result -> {
                            long nanos = System.nanoTime() - start;
                            if (result.failed() || result.result() != 200) {
                                failures.add(result.failed() ? result.cause().toString() : uri + " → " + result.result());
                            } else if (start - recordFrom > 0) {
                                (isStatus ? status : health).add(nanos);
                            }
                        });
            }
        });
        Thread.sleep(2000 + STATUS_SECONDS * 1000L);
        vertx.cancelTimer(ticker);
        Thread.sleep(2000);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(failures.isEmpty(), failures.size() + " failed requests, first: " + failures.peek());
        double[] s = percentiles(status);
        double[] h = percentiles(health);
        return new double[] {s[0], s[1], h[0], h[1]};
    }

    private static double[] percentiles(ConcurrentLinkedQueue<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        assertTrue(sorted.length > 0, "no answers");
        return new double[] {sorted[sorted.length / 2] / 1e6, sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.99)] / 1e6};
    }

    /** The sum of the Prometheus samples whose line starts with {@code prefix}. */
    private static double value(String metrics, String prefix) {
        return metrics.lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** Lines of the replica's log (every start of it so far) that contain any of {@code texts}. */
    private static long logLines(ServiceProcess service, String... texts) throws IOException {
        Path log = Path.of("target", "replicas", service.name + ".log");
        if (!Files.exists(log)) {
            return 0;
        }
        try (var lines = Files.lines(log)) {
            return lines.filter(line -> Arrays.stream(texts).anyMatch(line::contains)).count();
        }
    }

    static long errorLines(ServiceProcess service) throws IOException {
        Path log = Path.of("target", "replicas", service.name + ".log");
        try (var lines = Files.lines(log)) {
            // Netty's complaint about a listener after the event loop stopped comes from the shutdown itself.
            return lines.filter(line -> line.contains(" ERROR ") && !line.contains("After Shutdown")).count();
        }
    }

    /** Runs N Baileys sockets of {@code release} in one Node process against the same sandbox (fleet.mjs). */
    private static List<Sample> baileys(ReplicaCluster cluster, String release, int n) throws Exception {
        Path modules = Path.of("src", "test", "interop", "baileys" + release, "node_modules", "baileys");
        assertTrue(Files.isDirectory(modules), "Baileys " + release + " is not installed: run npm ci in " + modules.getParent().getParent());
        long firstPhone = 16_550_000_000L + Long.parseLong(release) * 100_000_000L;
        Process node = new ProcessBuilder("node", "--expose-gc", "--max-old-space-size=4096",
                Path.of("src", "test", "interop", "fleet.mjs").toString(), release,
                "ws://127.0.0.1:" + cluster.sandbox.port + "/sandbox/ws/chat", cluster.sandbox.url(), cluster.adminToken(),
                String.valueOf(n), String.valueOf(firstPhone), String.valueOf(REPEATS), String.valueOf(IDLE_SECONDS),
                String.valueOf(BAILEYS_CONCURRENCY)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Sample> samples = new ArrayList<>();
        long baselineHeap = 0;
        long baselineRss = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                JsonNode phase = JSON.readTree(line);
                switch (phase.get("phase").asText()) {
                    case "baseline" -> {
                        baselineHeap = phase.get("heap").asLong();
                        baselineRss = phase.get("rss").asLong();
                    }
                    case "linked" -> print(String.format("side-by-side: %,d Baileys %s sockets linked in %.1f s", n, release,
                            phase.get("seconds").asDouble()));
                    case "repeat" -> samples.add(new Sample(phase.get("reloginSeconds").asDouble(),
                            phase.get("cpuMillisPerLogin").asDouble(),
                            (phase.get("heap").asLong() - baselineHeap) / (double) n,
                            (phase.get("rss").asLong() - baselineRss) / (double) n,
                            phase.get("idleCpuMillisPerMinute").asDouble(), new double[4], null));
                    case "failed" -> throw new AssertionError("Baileys fleet failed: " + phase.get("message").asText());
                    default -> { }
                }
            }
        }
        assertEquals(0, node.waitFor(), "fleet.mjs exit code");
        assertEquals(REPEATS, samples.size());
        return samples;
    }

    private static Map<String, String> config(String text) {
        Map<String, String> config = new java.util.LinkedHashMap<>();
        for (String pair : text.split(",")) {
            if (!pair.isBlank()) {
                config.put(pair.substring(0, pair.indexOf('=')).trim(), pair.substring(pair.indexOf('=') + 1).trim());
            }
        }
        return config;
    }

    private static List<Integer> sizes(String text) {
        if (text.isBlank()) {
            return List.of();
        }
        List<Integer> sizes = new ArrayList<>();
        Arrays.stream(text.split(",")).map(String::trim).map(Integer::parseInt).forEach(sizes::add);
        return Collections.unmodifiableList(sizes);
    }
}
