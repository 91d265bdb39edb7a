package io.switchboard.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.restassured.path.json.JsonPath;
import java.io.File;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three replicas; PostgreSQL stops for 15 s while WhatsApp drops a connection: the replica stops what it can no
 * longer vouch for, and once the database is back the connection is online again, stored state
 * and running client agreeing.
 */
class DatabaseOutageIT {

    private static ReplicaCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(new File("/usr/bin/pg_ctlcluster").exists(), "needs pg_ctlcluster to stop the local PostgreSQL");
        assumeTrue(System.getenv("SWITCHBOARD_EMBEDDED_PG") == null,
                "the tests run on the embedded PostgreSQL, which pg_ctlcluster cannot stop");
        cluster = ReplicaCluster.start("sb_outage", 18390, 3, Map.of(), Map.of());
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aConnectionLostWhileTheDatabaseIsDownComesBack() throws Exception {
        ServiceProcess replica = cluster.replicas.get(0);
        UUID org = UUID.fromString(cluster.on(replica).body(Map.of("name", "Outage")).post("/api/v1/organizations")
                .then().statusCode(201).extract().path("id"));
        String qr = cluster.on(replica).post(ClusterSteps.base(org) + "/init-baileys").then().statusCode(200)
                .extract().path("qr");
        String jid = cluster.on(cluster.sandbox).body(Map.of("qr", qr, "phone", "15557654321"))
                .post("/sandbox/v1/scan").then().statusCode(200).extract().path("deviceJid");
        new ClusterSteps(cluster).awaitStatus(replica, org, s -> "CONNECTED".equals(s.getString("state")), 10_000);

        postgres("stop");
        long stopped = System.nanoTime();
        try {
            cluster.on(cluster.sandbox).post("/sandbox/v1/devices/" + jid + "/drop").then().statusCode(204);
            Thread.sleep(15_000);
        } finally {
            postgres("start");
        }
        JsonPath back = new ClusterSteps(cluster).awaitStatus(replica, org, s -> "CONNECTED".equals(s.getString("state"))
                && s.getString("updatedAt") != null, 30_000);
        System.out.printf("outage: database down 15 s while the connection dropped → connected again %d ms after the stop%n",
                (System.nanoTime() - stopped) / 1_000_000);
        assertEquals(jid, back.getString("jid"));
        long deadline = System.currentTimeMillis() + 15_000;
        while (true) {
            double clients = 0;
            for (ServiceProcess one : cluster.replicas) {
                clients += cluster.metric(one, "switchboard_whatsapp_clients");
            }
            boolean online = cluster.on(cluster.sandbox).get("/sandbox/v1/devices").then().extract().jsonPath()
                    .getList("findAll { it.deviceJid == '" + jid + "' && it.online }").size() == 1;
            if (clients == 1 && online) {
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("expected exactly one client online, found " + clients + " (online: " + online + ")");
            }
            Thread.sleep(200);
        }
        for (ServiceProcess one : cluster.replicas) {
            assertEquals(0.0, cluster.metric(one, "switchboard_whatsapp_stuck"), one.name + " reports stuck sessions");
        }
    }


    private static void postgres(String action) throws Exception {
        File[] versions = new File("/etc/postgresql").listFiles();
        assumeTrue(versions != null && versions.length > 0, "no local PostgreSQL cluster");
        ProcessBuilder command = "stop".equals(action)
                ? new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", versions[0].getName(), "main", "stop", "-m", "fast")
                : new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", versions[0].getName(), "main", action);
        Process process = command.inheritIO().start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("pg_ctlcluster " + action + " failed");
        }
    }
}
