package io.switchboard.replicas;

import java.time.Duration;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/** What a dashboard does against a {@link ReplicaCluster}, one replica or another. */
final class ClusterSteps {

    private final ReplicaCluster cluster;

    ClusterSteps(ReplicaCluster cluster) {
        this.cluster = cluster;
    }

    static String base(UUID org) {
        return "/api/v1/organizations/" + org + "/whatsapp";
    }

    UUID organization(ServiceProcess replica, String name) {
        return UUID.fromString(cluster.on(replica).body(Map.of("name", name)).post("/api/v1/organizations")
                .then().statusCode(201).extract().path("id"));
    }

    /** Links a device through {@code replica} and waits until connected; answers its JID. */
    String link(ServiceProcess replica, UUID org) throws Exception {
        String jid = scan(qrFrom(replica, org, "init-baileys").getString("qr"));
        awaitStatus(replica, org, s -> "CONNECTED".equals(s.getString("state")), 10_000);
        return jid;
    }

    /** Calls {@code path} (init-baileys or reconnect), following 202s through GET qrcode until a QR. */
    JsonPath qrFrom(ServiceProcess replica, UUID org, String path) throws InterruptedException {
        Response response = qrAfter(cluster, replica, org, cluster.on(replica).post(base(org) + "/" + path));
        assertEquals(200, response.statusCode(), response.asString());
        return response.jsonPath();
    }

    /**
     * Creates an organization through {@code replica}, asks for its QR and has the sandbox phone
     * {@code phone} scan it; answers the organization (its login finishes in the background).
     */
    static UUID linkAs(ReplicaCluster cluster, ServiceProcess replica, String name, long phone) throws Exception {
        UUID org = UUID.fromString(cluster.on(replica).body(Map.of("name", name)).post("/api/v1/organizations")
                .then().statusCode(201).extract().path("id"));
        Response response = qrAfter(cluster, replica, org, cluster.on(replica).post(base(org) + "/init-baileys"));
        assertEquals(200, response.statusCode(), response.asString());
        cluster.on(cluster.sandbox).body(Map.of("qr", response.jsonPath().getString("qr"), "phone", String.valueOf(phone)))
                .post("/sandbox/v1/scan").then().statusCode(200);
        return org;
    }

    /** {@code first}, or while it is a 202, GET qrcode until the QR (or another answer) comes, at most 20 s. */
    private static Response qrAfter(ReplicaCluster cluster, ServiceProcess replica, UUID org, Response first) {
        return first.statusCode() != 202 ? first : await("a QR").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.on(replica).get(base(org) + "/qrcode"), r -> r.statusCode() != 202);
    }

    /** The phone scans {@code qr}; answers the linked device's JID. */
    String scan(String qr) {
        String phone = "1555" + (1_000_000 + (long) (Math.random() * 8_999_999));
        return cluster.on(cluster.sandbox).body(Map.of("qr", qr, "phone", phone)).post("/sandbox/v1/scan")
                .then().statusCode(200).extract().path("deviceJid");
    }

    JsonPath status(ServiceProcess replica, UUID org) {
        return cluster.on(replica).get(base(org) + "/status").then().statusCode(200).extract().jsonPath();
    }

    JsonPath awaitStatus(ServiceProcess replica, UUID org, Predicate<JsonPath> condition, long millis)
            throws InterruptedException {
        java.util.concurrent.atomic.AtomicReference<JsonPath> last = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            // A replica that is starting or a database that is down answers errors meanwhile: ask again.
            return await().atMost(Duration.ofMillis(millis)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> {
                        last.set(status(replica, org));
                        return last.get();
                    }, condition::test);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("status never matched; last: " + (last.get() == null ? "none" : last.get().prettify()));
        }
    }
}
