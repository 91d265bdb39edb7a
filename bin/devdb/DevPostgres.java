import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * An embedded PostgreSQL for dev and tests on a machine without one (bin/ensure-postgres starts
 * it): PostgreSQL's own binaries from a Maven artifact, trust authentication, user postgres.
 *   java -cp CLASSPATH bin/devdb/DevPostgres.java PORT DATA_DIR keep|fresh [DATABASE...]
 * Prints "ready" once every database exists; stops PostgreSQL when this process ends (SIGTERM).
 */
public final class DevPostgres {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path data = Path.of(args[1]).toAbsolutePath();
        boolean keep = "keep".equals(args[2]);
        Files.createDirectories(data);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(data)
                .setCleanDataDirectory(!keep)
                .setPGStartupWait(Duration.ofSeconds(60))
                // The multi-replica tests open several pools at once; Debian's server allows 100.
                .setServerConfig("max_connections", "300")
                .setServerConfig("listen_addresses", "127.0.0.1")
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                postgres.close();
            } catch (Exception e) {
                System.err.println("stopping the embedded PostgreSQL failed: " + e.getMessage());
            }
        }));
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            for (int i = 3; i < args.length; i++) {
                String name = args[i];
                if (!name.matches("[a-z_][a-z0-9_]*")) {
                    throw new IllegalArgumentException("not a plain database name: " + name);
                }
                try (ResultSet rows = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                    if (rows.next()) {
                        continue;
                    }
                }
                statement.execute("CREATE DATABASE \"" + name + "\"");
            }
        }
        System.out.println("ready");
        System.out.flush();
        Thread.currentThread().join();
    }
}
