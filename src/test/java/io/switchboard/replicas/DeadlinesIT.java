package io.switchboard.replicas;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.path.json.JsonPath;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A WhatsApp that completes the Noise handshake and then says nothing: the linking ends by
 * itself at the phase deadline, visibly, and can be started again.
 */
class DeadlinesIT {

    private static ReplicaCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = ReplicaCluster.start("sb_silent", 18290, 1, Map.of("switchboard.sandbox.first-frame-delay", "1h"),
                Map.of("switchboard.whatsapp.connect-timeout", "3s"));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aSilentServerEndsLinkingAtTheDeadline() throws Exception {
        ServiceProcess replica = cluster.replicas.get(0);
        UUID org = UUID.fromString(cluster.on(replica).body(Map.of("name", "Silent")).post("/api/v1/organizations")
                .then().statusCode(201).extract().path("id"));
        long sent = System.nanoTime();
        int answer = cluster.on(replica).post(ClusterSteps.base(org) + "/init-baileys").then().extract().statusCode();
        assertTrue(answer == 202 || answer == 400, "init answered " + answer);
        JsonPath failed = new ClusterSteps(cluster).awaitStatus(replica, org, s -> "FAILED".equals(s.getString("state")), 15_000);
        long millis = (System.nanoTime() - sent) / 1_000_000;
        System.out.printf("deadline: silent WhatsApp → linking failed after %d ms (connect-timeout 3s)%n", millis);
        assertEquals("timed-out", failed.getString("lastDisconnect.reason"));
        assertTrue(failed.getBoolean("canReconnect"));
        cluster.on(replica).get(ClusterSteps.base(org) + "/qrcode").then().statusCode(400).body("reason", equalTo("linking-failed"));
        assertEquals(0L, cluster.count("SELECT count(*) FROM whatsapp_session WHERE owner IS NOT NULL"),
                "a failed linking holds no claim");
    }
}
