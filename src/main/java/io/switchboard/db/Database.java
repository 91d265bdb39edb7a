package io.switchboard.db;

import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The one bounded way to call PostgreSQL: every call fails within {@code switchboard.database.timeout}
 * instead of holding its caller, and an outage (no answer in time, a refused or lost connection,
 * the server shutting down) always surfaces as {@link DatabaseUnavailable}.
 */
@ApplicationScoped
public class Database {

    /** SQLSTATEs of a server going away: admin shutdown, crash shutdown, cannot connect now. */
    private static final Set<String> SHUTTING_DOWN = Set.of("57P01", "57P02", "57P03");

    private final Duration timeout;

    Database(@ConfigProperty(name = "switchboard.database.timeout", defaultValue = "5s") Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("switchboard.database.timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
    }

    /** Bounds {@code call}: no answer within the timeout, or an outage, fails it with {@link DatabaseUnavailable}. */
    public <T> Uni<T> bounded(Uni<T> call) {
        return call.ifNoItem().after(timeout).failWith(() -> new DatabaseUnavailable("the database did not answer within "
                        + timeout, null))
                .onFailure(error -> !(error instanceof DatabaseUnavailable) && isOutage(error))
                .transform(error -> new DatabaseUnavailable("the database is unreachable: "
                        + error.getMessage(), error));
    }

    public Duration timeout() {
        return timeout;
    }

    /** Whether {@code error} (or a cause of it) says the database is unreachable rather than the request wrong. */
    public static boolean isOutage(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof DatabaseUnavailable) {
                return true;
            }
            // The pool's and the connection's own failures (closed, refused, no connection in time) are VertxExceptions.
            if (cause instanceof TimeoutException || cause instanceof java.net.ConnectException
                    || cause instanceof java.nio.channels.ClosedChannelException || cause instanceof io.vertx.core.VertxException) {
                return true;
            }
            if (cause instanceof PgException) {
                String state = ((PgException) cause).getSqlState();
                return state != null && (state.startsWith("08") || SHUTTING_DOWN.contains(state));
            }
        }
        return false;
    }
}
