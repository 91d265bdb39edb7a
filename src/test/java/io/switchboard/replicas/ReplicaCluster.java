package io.switchboard.replicas;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.build.Jwt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A deployment on loopback: one process playing WhatsApp (the service jar with only its sandbox
 * enabled, on a database of its own) and N service replicas sharing one PostgreSQL database,
 * all in the prod profile with a freshly generated JWT key pair and credentials key.
 */
final class ReplicaCluster implements AutoCloseable {

    static final String ISSUER = "https://switchboard.test/replicas";
    static final String AUDIENCE = "switchboard";
    static final String PG = "127.0.0.1:5432";

    final ServiceProcess sandbox;
    final List<ServiceProcess> replicas = new ArrayList<>();
    final String database;
    private final KeyPair keys;

    private ReplicaCluster(String database, KeyPair keys, ServiceProcess sandbox) {
        this.database = database;
        this.keys = keys;
        this.sandbox = sandbox;
    }

    /**
     * Starts the WhatsApp process and {@code count} replicas on ports {@code basePort}, +1, …
     * {@code sandboxExtra} and {@code replicaExtra} add or override configuration.
     */
    static ReplicaCluster start(String database, int basePort, int count, Map<String, String> sandboxExtra,
            Map<String, String> replicaExtra) throws Exception {
        return start(database, basePort, count, sandboxExtra, replicaExtra, "256m");
    }

    /** As above, the WhatsApp process with a maximum heap of {@code sandboxHeap} (fleet benchmarks). */
    static ReplicaCluster start(String database, int basePort, int count, Map<String, String> sandboxExtra,
            Map<String, String> replicaExtra, String sandboxHeap) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        Path dir = Path.of("target", "replicas").toAbsolutePath();
        Files.createDirectories(dir);
        Path publicKey = dir.resolve(database + "-publicKey.pem");
        Files.writeString(publicKey, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        byte[] credentialsKey = new byte[32];
        new SecureRandom().nextBytes(credentialsKey);
        Map<String, String> common = new LinkedHashMap<>();
        common.put("mp.jwt.verify.publickey.location", publicKey.toString());
        common.put("mp.jwt.verify.issuer", ISSUER);
        common.put("mp.jwt.verify.audiences", AUDIENCE);
        common.put("switchboard.credentials.key", Base64.getEncoder().encodeToString(credentialsKey));
        common.put("quarkus.datasource.username", "postgres");

        recreate(database);
        recreate(database + "_whatsapp");
        Map<String, String> sandboxProperties = new LinkedHashMap<>(common);
        sandboxProperties.putAll(datasource(database + "_whatsapp"));
        sandboxProperties.put("switchboard.sandbox.enabled", "true");
        sandboxProperties.put("switchboard.sandbox.allow-in-production", "true");
        sandboxProperties.putAll(sandboxExtra);
        ReplicaCluster cluster = new ReplicaCluster(database, keys,
                new ServiceProcess("whatsapp-" + database, basePort, sandboxProperties, sandboxHeap).start());
        String trustRoot = cluster.on(cluster.sandbox).get("/sandbox/v1/trust-root").then().statusCode(200)
                .extract().path("publicKey");

        Map<String, String> replicaProperties = new LinkedHashMap<>(common);
        replicaProperties.putAll(datasource(database));
        replicaProperties.put("switchboard.whatsapp.url", "ws://127.0.0.1:" + basePort + "/sandbox/ws/chat");
        replicaProperties.put("switchboard.whatsapp.trust-root", trustRoot);
        // The media host is the WhatsApp process's: its certificate, as a file the replicas read at start.
        java.nio.file.Path mediaCertificate = java.nio.file.Files.createTempFile("sandbox-media-ca", ".pem");
        java.nio.file.Files.writeString(mediaCertificate, cluster.on(cluster.sandbox).get("/sandbox/v1/media-ca").then()
                .statusCode(200).extract().<String>path("certificate"));
        mediaCertificate.toFile().deleteOnExit();
        replicaProperties.put("switchboard.media.trust-certificate", mediaCertificate.toString());
        replicaProperties.putAll(replicaExtra);
        for (int i = 1; i <= count; i++) {
            cluster.replicas.add(new ServiceProcess(database + "-" + (char) ('a' + i - 1), basePort + i, replicaProperties));
        }
        for (ServiceProcess replica : cluster.replicas) {
            replica.start();
        }
        return cluster;
    }

    private static Map<String, String> datasource(String name) {
        return Map.of("quarkus.datasource.reactive.url", "postgresql://" + PG + "/" + name,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + PG + "/" + name);
    }

    private static void recreate(String name) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://" + PG + "/postgres", "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
            statement.execute("CREATE DATABASE \"" + name + "\"");
        }
    }

    String adminToken() {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject("it-admin").groups(Set.of("admin")).expiresIn(3600)
                .sign(keys.getPrivate());
    }

    RequestSpecification on(ServiceProcess process) {
        return given().baseUri(process.url()).auth().oauth2(adminToken()).contentType(ContentType.JSON);
    }

    /** Starts every replica that is not running (a test killed or stopped it). */
    void heal() throws Exception {
        for (ServiceProcess replica : replicas) {
            if (!replica.alive()) {
                replica.start();
            }
        }
    }

    /** The sum of a metric's samples on {@code replica} (every tag), as Prometheus reads it. */
    double metric(ServiceProcess replica, String name) {
        String text = on(replica).get("/q/metrics").then().statusCode(200).extract().asString();
        return text.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** How many samples (tag combinations) a metric has on {@code replica}. */
    long metricSamples(ServiceProcess replica, String name) {
        String text = on(replica).get("/q/metrics").then().statusCode(200).extract().asString();
        return text.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{")).count();
    }

    /** The replica whose claim is stored for the organization, or null. */
    ServiceProcess owner(UUID organizationId) throws SQLException {
        String owner = queryString("SELECT owner FROM whatsapp_session WHERE organization_id = ?", organizationId);
        if (owner == null) {
            return null;
        }
        return replicas.stream().filter(r -> owner.startsWith(r.name + "-")).findFirst().orElse(null);
    }

    String queryString(String sql, Object... parameters) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://" + PG + "/" + database, "postgres", "");
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    /** Runs {@code sql} in the service's database (schema changes, no result). */
    void execute(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://" + PG + "/" + database, "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    long count(String sql, Object... parameters) throws SQLException {
        String value = queryString(sql, parameters);
        return value == null ? 0 : Long.parseLong(value);
    }

    @Override
    public void close() throws Exception {
        for (ServiceProcess replica : replicas) {
            replica.stop();
        }
        sandbox.stop();
    }
}
