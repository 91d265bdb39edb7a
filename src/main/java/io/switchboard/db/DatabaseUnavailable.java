package io.switchboard.db;

/**
 * PostgreSQL did not answer in time or the connection to it failed: the one failure every caller
 * sees for an outage, answered as 503 {@code database-unavailable} with {@code Retry-After}.
 */
public final class DatabaseUnavailable extends RuntimeException {

    public DatabaseUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
