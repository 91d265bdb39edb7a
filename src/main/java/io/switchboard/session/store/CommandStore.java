package io.switchboard.session.store;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Commands handed to the replica that runs a connection: the sender stores one and notifies
 * (channel {@value #CHANNEL}, payload "owner|id"); the owner picks it, carries it out and stores
 * the outcome (channel {@value #DONE_CHANNEL}, payload the id).
 */
@ApplicationScoped
public class CommandStore {

    public static final String CHANNEL = "switchboard_command";
    public static final String DONE_CHANNEL = "switchboard_command_done";

    /** A command to carry out. */
    public record Command(UUID id, UUID organizationId, String kind) {
    }

    /** How a command ended: done, with an error reason and message when it was refused. */
    public record Outcome(boolean done, String errorReason, String errorMessage) {
    }

    private final Pool pool;
    private final SessionStore bounds;

    CommandStore(Pool pool, SessionStore bounds) {
        this.pool = pool;
        this.bounds = bounds;
    }

    public Uni<Void> send(UUID id, UUID organizationId, String kind, String targetOwner) {
        return bounds.bounded(pool.withTransaction(connection -> connection.preparedQuery(
                        "INSERT INTO whatsapp_command (id, organization_id, kind, target_owner) VALUES ($1, $2, $3, $4)")
                .execute(Tuple.of(id, organizationId, kind, targetOwner))
                .flatMap(ignored -> connection.preparedQuery("SELECT pg_notify($1, $2)")
                        .execute(Tuple.of(CHANNEL, targetOwner + "|" + id)))))
                .replaceWithVoid();
    }

    /** Takes a command addressed to {@code owner}, once. */
    public Uni<Optional<Command>> pick(UUID id, String owner) {
        return bounds.bounded(pool.preparedQuery("UPDATE whatsapp_command SET picked_at = now() WHERE id = $1"
                        + " AND target_owner = $2 AND picked_at IS NULL RETURNING id, organization_id, kind")
                .execute(Tuple.of(id, owner))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(command(rows.iterator().next()))));
    }

    /** Commands addressed to {@code owner} not picked yet (a missed notification). */
    public Uni<List<UUID>> waiting(String owner) {
        return bounds.bounded(pool.preparedQuery("SELECT id FROM whatsapp_command WHERE target_owner = $1 AND picked_at IS NULL")
                .execute(Tuple.of(owner))
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getUUID(0)));
                    return ids;
                }));
    }

    public Uni<Void> complete(UUID id, String errorReason, String errorMessage) {
        return bounds.bounded(pool.withTransaction(connection -> connection.preparedQuery(
                        "UPDATE whatsapp_command SET done_at = now(), error_reason = $2, error_message = $3 WHERE id = $1")
                .execute(Tuple.of(id, errorReason, errorMessage))
                .flatMap(ignored -> connection.preparedQuery("SELECT pg_notify($1, $2)")
                        .execute(Tuple.of(DONE_CHANNEL, id.toString())))))
                .replaceWithVoid();
    }

    public Uni<Outcome> outcome(UUID id) {
        return bounds.bounded(pool.preparedQuery("SELECT done_at IS NOT NULL AS done, error_reason, error_message"
                        + " FROM whatsapp_command WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return new Outcome(false, null, null);
                    }
                    Row row = rows.iterator().next();
                    return new Outcome(row.getBoolean("done"), row.getString("error_reason"), row.getString("error_message"));
                }));
    }

    /** Withdraws a command nobody picked (its sender gave up); true when it was still waiting. */
    public Uni<Boolean> withdraw(UUID id) {
        return bounds.bounded(pool.preparedQuery("DELETE FROM whatsapp_command WHERE id = $1 AND picked_at IS NULL")
                .execute(Tuple.of(id)).map(rows -> rows.rowCount() == 1));
    }

    /** Forgets commands older than ten minutes. */
    public Uni<Void> prune() {
        return bounds.bounded(pool.query("DELETE FROM whatsapp_command WHERE created_at < now() - interval '10 minutes'")
                .execute().replaceWithVoid());
    }

    private static Command command(Row row) {
        return new Command(row.getUUID("id"), row.getUUID("organization_id"), row.getString("kind"));
    }
}
