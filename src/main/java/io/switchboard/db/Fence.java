package io.switchboard.db;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.UUID;

/**
 * The fencing token of a connection: the replica that claimed it and the epoch its claim got.
 * Every write about the connection names it; a write whose fence is stale changes nothing.
 */
public record Fence(String owner, long epoch) {

    /** Locks the organization's session row for the caller's transaction if this fence still holds it. */
    public static final String HOLDS = "SELECT 1 FROM whatsapp_session WHERE organization_id = $1 AND owner = $2"
            + " AND epoch = $3 FOR UPDATE";

    public Fence {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("a fence needs an owner");
        }
    }

    /** In the caller's transaction: fails with {@link FencedException} unless this fence still holds the organization. */
    public Uni<Void> check(SqlConnection connection, UUID organizationId) {
        return connection.preparedQuery(HOLDS).execute(Tuple.of(organizationId, owner, epoch))
                .flatMap(rows -> rows.size() == 1 ? Uni.createFrom().voidItem()
                        : Uni.createFrom().failure(new FencedException(organizationId, this)));
    }
}
