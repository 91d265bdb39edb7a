package io.switchboard.session.rest;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.switchboard.db.Database;
import io.switchboard.web.ApiException;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Takes one use of the linking budgets ({@link LinkingConfig}) before a linking starts, in
 * PostgreSQL so every replica counts together: the organization's linkings, and for a pairing
 * code the organization's codes and the phone number's (kept as a hash, not the number). All or
 * nothing in one transaction: a refused request uses no budget. Past the limit: 429
 * {@code rate-limited} with {@code Retry-After} until the window ends.
 */
@ApplicationScoped
public class LinkingBudget {

    private static final Logger LOG = Logger.getLogger(LinkingBudget.class);
    private static final String TAKE = "INSERT INTO rate_budget (scope, window_start, used)"
            + " VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2::bigint) * $2::bigint), 1)"
            + " ON CONFLICT (scope, window_start) DO UPDATE SET used = rate_budget.used + 1 WHERE rate_budget.used < $3::int"
            + " RETURNING used";

    private final Pool pool;
    private final Database database;
    private final LinkingConfig config;
    private final Vertx vertx;

    LinkingBudget(Pool pool, Database database, LinkingConfig config, Vertx vertx) {
        this.pool = pool;
        this.database = database;
        this.config = config;
        this.vertx = vertx;
        if (config.window().toSeconds() < 1 || config.perOrganization() < 1 || config.codesPerOrganization() < 1
                || config.codesPerPhone() < 1) {
            throw new IllegalArgumentException("switchboard.linking.* budgets must be at least 1, the window at least 1s");
        }
    }

    void onStart(@Observes StartupEvent event) {
        vertx.setPeriodic(3_600_000, t -> database.bounded(pool.query("DELETE FROM rate_budget WHERE window_start < now()"
                + " - interval '1 day'").execute()).subscribe().with(ok -> { },
                        error -> LOG.debugf("deleting old rate budgets failed: %s", error.getMessage())));
    }

    /**
     * One linking of {@code organizationId}; with {@code phone}, a pairing code sent to it. Asking
     * again for the same organization and phone in the same window (a client following 202s, a
     * code that expired) is free: the budgets count numbers prompted, not requests.
     */
    public Uni<Void> take(UUID organizationId, String phone) {
        return database.bounded(pool.withTransaction(connection -> {
            if (phone == null) {
                return use(connection, "link:" + organizationId, config.perOrganization(), "linkings of this organization");
            }
            return connection.preparedQuery("INSERT INTO rate_budget (scope, window_start, used) VALUES ($1,"
                    + " to_timestamp(floor(extract(epoch FROM now()) / $2::bigint) * $2::bigint), 1) ON CONFLICT DO NOTHING RETURNING used")
                    .execute(Tuple.of("pair:" + organizationId + ":" + digest(phone), config.window().toSeconds()))
                    .chain(pair -> pair.size() == 0 ? Uni.createFrom().voidItem()
                            : use(connection, "link:" + organizationId, config.perOrganization(), "linkings of this organization")
                                    .chain(() -> use(connection, "code:" + organizationId, config.codesPerOrganization(),
                                            "pairing codes of this organization"))
                                    .chain(() -> use(connection, "code-phone:" + digest(phone), config.codesPerPhone(),
                                            "pairing codes sent to this phone number")));
        }));
    }

    private Uni<Void> use(SqlConnection connection, String scope, int limit, String what) {
        long window = config.window().toSeconds();
        return connection.preparedQuery(TAKE).execute(Tuple.of(scope, window, limit)).chain(rows -> {
            if (rows.size() == 1) {
                return Uni.createFrom().voidItem();
            }
            // Refused: how long until this window ends (the row was not changed, read it).
            return connection.preparedQuery("SELECT greatest(1, ceil(extract(epoch FROM window_start) + $2::bigint"
                    + " - extract(epoch FROM now())))::int FROM rate_budget WHERE scope = $1 ORDER BY window_start DESC LIMIT 1")
                    .execute(Tuple.of(scope, window)).chain(left -> {
                        int seconds = left.size() == 0 ? (int) window : left.iterator().next().getInteger(0);
                        return Uni.createFrom().failure(new ApiException(429, "rate-limited", "At most " + limit + " " + what
                                + " per " + config.window().toMinutes() + " minutes; try again in " + seconds + " s.", null, seconds));
                    });
        });
    }

    private static String digest(String phone) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(phone.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
