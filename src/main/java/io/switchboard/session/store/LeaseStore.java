package io.switchboard.session.store;

import io.switchboard.db.Fence;
import io.smallrye.mutiny.Uni;
import io.switchboard.session.SessionState;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Who runs each connection: a claim is an owner, a lease and an epoch (the fencing token), new
 * whenever the owner changes or its lease had lapsed.
 * Claims renew in one statement per replica; adoption takes connections whose owner is gone in
 * batches, skipping rows another replica is taking at the same moment.
 */
@ApplicationScoped
public class LeaseStore {

    private static final String CLAIM = "INSERT INTO whatsapp_session (organization_id, state, reconnect_attempts,"
            + " updated_at, owner, lease_until, epoch) VALUES ($1, 'DISCONNECTED', 0, now(), $2,"
            + " now() + make_interval(secs => $3), 1) ON CONFLICT (organization_id) DO UPDATE SET owner = $2,"
            + " lease_until = now() + make_interval(secs => $3), epoch = CASE WHEN whatsapp_session.owner = $2"
            + " AND whatsapp_session.lease_until >= now() THEN whatsapp_session.epoch ELSE whatsapp_session.epoch + 1 END"
            + " WHERE whatsapp_session.owner IS NULL OR whatsapp_session.owner = $2 OR whatsapp_session.lease_until < now()"
            + " RETURNING epoch";
    /**
     * Renews the rows of {@code owner} among those named that no transaction has locked; a locked row (a
     * fenced write of ours in flight, or a claim by another replica not yet committed) is skipped, not
     * waited for: one slow transaction must not hold up every claim's renewal. Answers the renewed rows
     * (true, with their epoch) and every named row the statement's snapshot shows owned (false, with its
     * epoch). No plan of it can be quadratic whatever the statistics say: the rows are found through the
     * primary key with {@code = ANY} of an array (a join of the claims with a CTE became a nested loop
     * when the planner guessed a handful of rows: 15 s for 10,000 claims).
     */
    private static final String RENEW = "WITH renewed AS (UPDATE whatsapp_session SET lease_until = now() + make_interval(secs => $2)"
            + " WHERE organization_id = ANY(ARRAY(SELECT organization_id FROM whatsapp_session WHERE organization_id = ANY($3::uuid[])"
            + " AND owner = $1 FOR NO KEY UPDATE SKIP LOCKED)) RETURNING organization_id, epoch)"
            + " SELECT organization_id, epoch, true FROM renewed"
            + " UNION ALL SELECT organization_id, epoch, false FROM whatsapp_session WHERE organization_id = ANY($3::uuid[]) AND owner = $1";
    private static final String ADOPT = "UPDATE whatsapp_session s SET owner = $1, epoch = s.epoch + 1,"
            + " lease_until = now() + make_interval(secs => $2) WHERE s.organization_id IN ("
            + " SELECT organization_id FROM whatsapp_session WHERE state IN ('CONNECTING', 'AWAITING_QR',"
            + " 'PAIRED_RESTARTING', 'CONNECTED', 'RECONNECTING') AND (owner IS NULL OR lease_until < now())"
            + " ORDER BY lease_until NULLS FIRST, organization_id LIMIT $3 FOR UPDATE SKIP LOCKED)"
            + " RETURNING s.organization_id, s.epoch, s.state,"
            + " EXISTS (SELECT 1 FROM whatsapp_credentials c WHERE c.organization_id = s.organization_id) AS linked";

    private final Pool pool;
    /** Renewals only: one connection of their own, never queued behind the main pool's work. */
    private final Pool renewals;
    private final SessionStore bounds;

    LeaseStore(Pool pool, @io.quarkus.reactive.datasource.ReactiveDataSource("leases") Pool renewals, SessionStore bounds) {
        this.pool = pool;
        this.renewals = renewals;
        this.bounds = bounds;
    }

    /**
     * Claims the connection for {@code owner}; empty when another replica holds a live lease. A
     * holder that claims again (a command for a connection it runs) keeps its epoch, so a renewal
     * in flight at that epoch still succeeds; anyone else gets a new one, fencing off the last holder.
     */
    public Uni<Optional<Fence>> claim(UUID organizationId, String owner, Duration lease) {
        return bounds.bounded(pool.preparedQuery(CLAIM).execute(Tuple.of(organizationId, owner, seconds(lease)))
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(new Fence(owner, rows.iterator().next().getLong("epoch")))));
    }

    /**
     * Renews every claim of {@code owner} at the epochs given, in one statement that never waits on a
     * locked row: answers the claims renewed and the ones still held but busy (locked by a transaction
     * at that moment: the caller tries those again shortly, see {@code LeaseKeeper}); any other is no longer held.
     */
    public Uni<Renewal> renew(String owner, Map<UUID, Long> held, Duration lease) {
        if (held.isEmpty()) {
            return Uni.createFrom().item(new Renewal(Set.of(), Set.of()));
        }
        UUID[] ids = held.keySet().toArray(new UUID[0]);
        return bounds.bounded(renewals.preparedQuery(RENEW).execute(Tuple.of(owner, seconds(lease), ids))
                .map(rows -> {
                    Set<UUID> renewed = new HashSet<>();
                    Set<UUID> owned = new HashSet<>();
                    rows.forEach(row -> {
                        UUID id = row.getUUID(0);
                        // A row of ours at another epoch (re-claimed since) is renewed, but the claim asked about is lost.
                        Long asked = held.get(id);
                        if (asked != null && asked.longValue() == row.getLong(1)) {
                            (row.getBoolean(2) ? renewed : owned).add(id);
                        }
                    });
                    owned.removeAll(renewed);
                    return new Renewal(renewed, owned);
                }));
    }

    /** What a renewal found: claims renewed, and claims still held that a transaction had locked (not renewed). */
    public record Renewal(Set<UUID> renewed, Set<UUID> busy) {
    }

    /** Lets go of one connection, if this claim still holds it. */
    public Uni<Void> release(UUID organizationId, Fence fence) {
        return bounds.bounded(pool.preparedQuery("UPDATE whatsapp_session SET owner = NULL, lease_until = NULL"
                        + " WHERE organization_id = $1 AND owner = $2 AND epoch = $3")
                .execute(Tuple.of(organizationId, fence.owner(), fence.epoch())).replaceWithVoid());
    }

    /** Lets go of everything {@code owner} holds (clean shutdown): other replicas adopt at once. */
    public Uni<Integer> releaseAll(String owner) {
        return bounds.bounded(pool.preparedQuery("UPDATE whatsapp_session SET owner = NULL, lease_until = NULL WHERE owner = $1")
                .execute(Tuple.of(owner)).map(rows -> rows.rowCount()));
    }

    /** Claims up to {@code limit} connections that should run but whose owner released them or died. */
    public Uni<List<Adopted>> adopt(String owner, Duration lease, int limit) {
        return adoptTimed(owner, lease, limit).map(Adoptions::adopted);
    }

    /**
     * As {@link #adopt}, also answering when the statement was sent ({@code System.nanoTime()}): taken once a
     * connection of the pool is in hand, so the time a statement queued for one (thousands of logins keep the
     * pool busy while a replica adopts) is not counted against the claims' trust; the lease is set by the
     * database when it runs the statement, later still.
     */
    public Uni<Adoptions> adoptTimed(String owner, Duration lease, int limit) {
        return bounds.bounded(pool.withConnection(connection -> {
            long sent = System.nanoTime();
            return connection.preparedQuery(ADOPT).execute(Tuple.of(owner, seconds(lease), limit)).map(rows -> {
                List<Adopted> adopted = new ArrayList<>();
                rows.forEach(row -> adopted.add(new Adopted(row.getUUID("organization_id"), row.getLong("epoch"),
                        SessionState.valueOf(row.getString("state")), row.getBoolean("linked"))));
                return new Adoptions(adopted, sent);
            });
        }));
    }

    /** The connections an adopt statement claimed, and when it was sent ({@code System.nanoTime()}). */
    public record Adoptions(List<Adopted> adopted, long sentNanos) {
    }

    private static double seconds(Duration lease) {
        return lease.toMillis() / 1000.0;
    }
}
