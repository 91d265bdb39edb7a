package io.switchboard.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Failover and adoption at fleet size, default pacing: 1,000 organizations linked through replica
 * A; A is killed (-9) and B adopts them all; then both replicas restart together. Prints how
 * long each took and how many logins it cost (one per organization is the goal).
 */
@Tag("benchmark")
class ReplicaFleetBenchmark {

    private static final int ORGANIZATIONS = Integer.getInteger("fleet.organizations", 1000);

    @Test
    void failoverAndRestartOfAFleet() throws Exception {
        try (ReplicaCluster cluster = ReplicaCluster.start("sb_fleet", 18490, 2, Map.of(),
                Map.of("quarkus.log.category.\"io.switchboard\".level", "WARN"))) {
            ServiceProcess a = cluster.replicas.get(0);
            ServiceProcess b = cluster.replicas.get(1);
            long linking = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < ORGANIZATIONS; i++) {
                int n = i;
                calls.add(pool.submit(() -> {
                    ClusterSteps.linkAs(cluster, a, "Fleet " + n, 15_550_000_000L + n);
                    return null;
                }));
            }
            for (Future<?> call : calls) {
                call.get();
            }
            pool.shutdown();
            awaitConnected(cluster, ORGANIZATIONS, null, 120_000);
            System.out.printf("fleet: %d organizations linked through one replica in %.1f s%n", ORGANIZATIONS,
                    (System.nanoTime() - linking) / 1e9);

            long before = logins(cluster);
            long killed = System.nanoTime();
            a.kill9();
            awaitLoggedIn(cluster, before, b.name);
            double failover = (System.nanoTime() - killed) / 1e9;
            Thread.sleep(5000);
            System.out.printf("fleet: kill -9 of the owner → %d organizations online through the other replica in %.1f s,"
                    + " %d logins%n", ORGANIZATIONS, failover, logins(cluster) - before);

            before = logins(cluster);
            b.stop();
            long restarting = System.nanoTime();
            a.start();
            b.start();
            awaitLoggedIn(cluster, before, "");
            double restart = (System.nanoTime() - restarting) / 1e9;
            Thread.sleep(5000);
            long cost = logins(cluster) - before;
            System.out.printf("fleet: both replicas restarted → %d organizations online in %.1f s, %d logins%n",
                    ORGANIZATIONS, restart, cost);
            assertEquals(ORGANIZATIONS, cost, "one login per organization");
        }
    }

    /** Waits until every organization logged in again since {@code before} and is connected under a live claim. */
    private static void awaitLoggedIn(ReplicaCluster cluster, long before, String ownerPrefix) throws Exception {
        long deadline = System.currentTimeMillis() + 300_000;
        while (logins(cluster) - before < ORGANIZATIONS) {
            assertTrue(System.currentTimeMillis() < deadline, (logins(cluster) - before) + " of " + ORGANIZATIONS + " logged in");
            Thread.sleep(100);
        }
        awaitConnected(cluster, ORGANIZATIONS, ownerPrefix, 60_000);
    }

    /** Waits until {@code count} sessions are CONNECTED under a live claim ({@code ownerPrefix}: whose; "" any). */
    private static void awaitConnected(ReplicaCluster cluster, int count, String ownerPrefix, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        String owned = ownerPrefix == null ? "" : " AND owner LIKE ? AND lease_until > now()";
        while (true) {
            long connected = ownerPrefix == null
                    ? cluster.count("SELECT count(*) FROM whatsapp_session WHERE state = 'CONNECTED'")
                    : cluster.count("SELECT count(*) FROM whatsapp_session WHERE state = 'CONNECTED'" + owned, ownerPrefix + "%");
            if (connected >= count) {
                return;
            }
            assertTrue(System.currentTimeMillis() < deadline, connected + " of " + count + " connected");
            Thread.sleep(100);
        }
    }

    private static long logins(ReplicaCluster cluster) throws Exception {
        return cluster.count("SELECT count(*) FROM whatsapp_session_transition WHERE event = 'LOGGED_IN'");
    }
}
