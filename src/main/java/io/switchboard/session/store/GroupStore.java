package io.switchboard.session.store;

import io.smallrye.mutiny.Uni;
import io.switchboard.db.Fence;
import io.switchboard.db.SqlTime;
import io.switchboard.events.EventPayloads;
import io.switchboard.events.EventStore;
import io.switchboard.protocol.client.GroupStanzas.GroupChange;
import io.switchboard.protocol.client.GroupStanzas.GroupInfo;
import io.switchboard.protocol.client.GroupStanzas.Participant;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Each organization's groups as WhatsApp last described them: written by the replica running the
 * connection (metadata answers, and {@code w:gp2} notifications applied with their events in one
 * fenced transaction), read by any replica. Also the answers of group requests, by request id.
 */
@ApplicationScoped
public class GroupStore {

    /** A kept group: its metadata (the API's view), whether we are in it, when WhatsApp was asked, when it last changed. */
    public record Kept(JsonObject metadata, boolean member, Instant fetchedAt, Instant updatedAt) {
    }

    private final Pool pool;
    private final SessionStore bounds;
    private final EventStore events;

    GroupStore(Pool pool, SessionStore bounds, EventStore events) {
        this.pool = pool;
        this.bounds = bounds;
        this.events = events;
    }

    /** The metadata view of {@code info}: the API's group (participants with phone, LID and role). */
    public static JsonObject view(GroupInfo info) {
        JsonArray participants = new JsonArray();
        for (Participant participant : info.participants()) {
            participants.add(member(participant));
        }
        return new JsonObject().put("id", info.jid()).put("subject", info.subject()).put("description", info.description())
                .put("announcementOnly", info.announcement()).put("locked", info.locked()).put("addressingMode", info.addressingMode())
                .put("creator", info.creator()).put("createdAt", info.createdAt() == null ? null : info.createdAt().toString())
                .put("participants", participants);
    }

    private static JsonObject member(Participant participant) {
        return new JsonObject().put("phone", participant.phone()).put("lid", participant.lid())
                .put("role", participant.role() == null || participant.role().isEmpty() ? "member" : participant.role());
    }

    /** Keeps WhatsApp's answer to a metadata query (we are a member), as fetched now. */
    public Uni<Void> fetched(UUID organizationId, GroupInfo info) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return bounds.bounded(pool.preparedQuery("INSERT INTO whatsapp_group (organization_id, group_jid, metadata, member, fetched_at,"
                + " updated_at) VALUES ($1, $2, $3, true, $4, $4) ON CONFLICT (organization_id, group_jid) DO UPDATE SET metadata = $3,"
                + " member = true, fetched_at = $4, updated_at = $4").execute(Tuple.of(organizationId, info.jid(), view(info), now)))
                .replaceWithVoid();
    }

    /** We left {@code groupJid} (or learned we are not in it). */
    public Uni<Void> left(UUID organizationId, String groupJid) {
        return bounds.bounded(pool.preparedQuery("UPDATE whatsapp_group SET member = false, updated_at = now() WHERE organization_id = $1"
                + " AND group_jid = $2").execute(Tuple.of(organizationId, groupJid))).replaceWithVoid();
    }

    public Uni<Optional<Kept>> find(UUID organizationId, String groupJid) {
        return bounds.bounded(pool.preparedQuery("SELECT metadata, member, fetched_at, updated_at FROM whatsapp_group"
                + " WHERE organization_id = $1 AND group_jid = $2").execute(Tuple.of(organizationId, groupJid))
                .map(rows -> rows.size() == 0 ? Optional.<Kept>empty() : Optional.of(kept(rows.iterator().next()))));
    }

    /** The groups we are in, most recently changed first, and how many there are. */
    public Uni<Page> joined(UUID organizationId, int page, int size) {
        return bounds.bounded(pool.preparedQuery("SELECT metadata, member, fetched_at, updated_at, count(*) OVER () AS total"
                + " FROM whatsapp_group WHERE organization_id = $1 AND member ORDER BY updated_at DESC, group_jid LIMIT $2 OFFSET $3")
                .execute(Tuple.of(organizationId, size, page * size)).map(rows -> {
                    List<Kept> items = new ArrayList<>();
                    long total = 0;
                    for (Row row : rows) {
                        items.add(kept(row));
                        total = row.getLong("total");
                    }
                    return new Page(items, total);
                }));
    }

    public record Page(List<Kept> items, long total) {
    }

    private static Kept kept(Row row) {
        Object metadata = row.getValue("metadata");
        return new Kept(metadata instanceof JsonObject json ? json : new JsonObject(String.valueOf(metadata)), row.getBoolean("member"),
                SqlTime.instant(row.getOffsetDateTime("fetched_at")), SqlTime.instant(row.getOffsetDateTime("updated_at")));
    }

    // ---- requests carried out by the replica running the connection -------------------------------

    public Uni<Void> answer(UUID requestId, UUID organizationId, JsonObject result) {
        return bounds.bounded(pool.preparedQuery("INSERT INTO whatsapp_group_request (id, organization_id, result) VALUES ($1, $2, $3)"
                + " ON CONFLICT (id) DO NOTHING").execute(Tuple.of(requestId, organizationId, result))).replaceWithVoid();
    }

    /** The answer of request {@code requestId}, taken (deleted); null when there is none. */
    public Uni<JsonObject> takeAnswer(UUID requestId) {
        return bounds.bounded(pool.preparedQuery("DELETE FROM whatsapp_group_request WHERE id = $1 RETURNING result")
                .execute(Tuple.of(requestId)).map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Object result = rows.iterator().next().getValue("result");
                    return result instanceof JsonObject json ? json : new JsonObject(String.valueOf(result));
                }));
    }

    /** Answers nobody took (their caller gave up) are dropped after an hour. */
    public Uni<Void> pruneAnswers() {
        return bounds.bounded(pool.preparedQuery("DELETE FROM whatsapp_group_request WHERE created_at < now() - interval '1 hour'")
                .execute()).replaceWithVoid();
    }

    // ---- notifications ------------------------------------------------------------------------------

    /**
     * A {@code w:gp2} change, under {@code fence}: applied to the kept metadata and reported as an
     * event (group.created or group.joined, group.updated, group.participants, group.left) in one
     * transaction. {@code ownPhone}: our number, to tell our own joining and leaving from others'.
     */
    public Uni<Void> changed(Fence fence, UUID organizationId, GroupChange change, String ownPhone) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return bounds.bounded(pool.withTransaction(connection -> fence.check(connection, organizationId)
                .flatMap(ignored -> connection.preparedQuery("SELECT metadata FROM whatsapp_group WHERE organization_id = $1"
                        + " AND group_jid = $2 FOR UPDATE").execute(Tuple.of(organizationId, change.groupJid())))
                .flatMap(rows -> {
                    JsonObject before = rows.size() == 0 ? null : jsonOf(rows.iterator().next().getValue("metadata"));
                    return apply(connection, organizationId, change, ownPhone, before, now);
                })));
    }

    private Uni<Void> apply(SqlConnection connection, UUID organizationId, GroupChange change, String ownPhone, JsonObject before,
            OffsetDateTime now) {
        JsonObject metadata = before == null ? new JsonObject().put("id", change.groupJid()).put("participants", new JsonArray())
                : before.copy();
        List<EventPayloads.GroupMember> named = change.participants().stream().map(p -> new EventPayloads.GroupMember(p.phone(),
                p.lid(), p.role() == null || p.role().isEmpty() ? null : p.role())).toList();
        boolean aboutUs = change.participants().stream().anyMatch(p -> ownPhone != null && ownPhone.equals(p.phone()));
        String type;
        Boolean member = null;
        boolean complete = before != null;
        switch (change.action()) {
            case "created" -> {
                if (change.group() != null) {
                    metadata = view(change.group());
                    complete = true;
                }
                type = ownPhone != null && ownPhone.equals(change.actor()) ? EventStore.GROUP_CREATED : EventStore.GROUP_JOINED;
                member = true;
            }
            case "add", "remove", "leave", "promote", "demote" -> {
                JsonArray participants = metadata.getJsonArray("participants", new JsonArray());
                JsonArray next = new JsonArray();
                for (Object entry : participants) {
                    JsonObject existing = (JsonObject) entry;
                    Participant match = change.participants().stream().filter(p -> p.phone() != null
                            && p.phone().equals(existing.getString("phone"))).findFirst().orElse(null);
                    if (match == null || "add".equals(change.action())) {
                        next.add(existing);
                    } else if ("promote".equals(change.action()) || "demote".equals(change.action())) {
                        next.add(existing.copy().put("role", "promote".equals(change.action()) ? "admin" : "member"));
                    }
                }
                if ("add".equals(change.action())) {
                    for (Participant added : change.participants()) {
                        if (next.stream().noneMatch(e -> added.phone() != null && added.phone().equals(((JsonObject) e).getString("phone")))) {
                            next.add(new JsonObject().put("phone", added.phone()).put("lid", added.lid()).put("role", "member"));
                        }
                    }
                }
                metadata.put("participants", next);
                boolean leaving = "remove".equals(change.action()) || "leave".equals(change.action());
                type = aboutUs && leaving ? EventStore.GROUP_LEFT : aboutUs && "add".equals(change.action()) ? EventStore.GROUP_JOINED
                        : EventStore.GROUP_PARTICIPANTS;
                member = aboutUs ? !leaving : null;
                complete = complete && !(aboutUs && "add".equals(change.action()));
            }
            case "subject" -> {
                metadata.put("subject", change.value());
                type = EventStore.GROUP_UPDATED;
            }
            case "description" -> {
                metadata.put("description", change.value());
                type = EventStore.GROUP_UPDATED;
            }
            case "announcement", "not_announcement" -> {
                metadata.put("announcementOnly", "announcement".equals(change.action()));
                type = EventStore.GROUP_UPDATED;
            }
            case "locked", "unlocked" -> {
                metadata.put("locked", "locked".equals(change.action()));
                type = EventStore.GROUP_UPDATED;
            }
            default -> {
                return Uni.createFrom().voidItem();
            }
        }
        if (change.addressingMode() != null) {
            metadata.put("addressingMode", change.addressingMode());
        }
        JsonObject kept = metadata;
        EventPayloads.GroupChanged event = new EventPayloads.GroupChanged(change.groupJid(), change.action(), change.actor(),
                named.isEmpty() ? null : named, kept.getString("subject"), "description".equals(change.action()) ? change.value() : null,
                kept.getBoolean("announcementOnly"), kept.getBoolean("locked"), kept.getString("addressingMode"),
                change.at() == null ? now.toInstant().toString() : change.at().toString());
        // A group we only heard of (no metadata asked yet) is fetched again at the next read.
        OffsetDateTime fetched = !complete ? OffsetDateTime.ofInstant(Instant.EPOCH, ZoneOffset.UTC)
                : "created".equals(change.action()) ? now : null;
        return connection.preparedQuery("INSERT INTO whatsapp_group (organization_id, group_jid, metadata, member, fetched_at, updated_at)"
                + " VALUES ($1, $2, $3, COALESCE($4, true), $5, $6) ON CONFLICT (organization_id, group_jid) DO UPDATE SET metadata = $3,"
                + " member = COALESCE($4, whatsapp_group.member), fetched_at = COALESCE($5, whatsapp_group.fetched_at), updated_at = $6")
                .execute(Tuple.from(java.util.Arrays.asList(organizationId, change.groupJid(), kept, member, fetched, now)))
                .flatMap(ignored -> events.append(connection, organizationId, type, change.groupJid(), EventPayloads.json(event)));
    }

    private static JsonObject jsonOf(Object value) {
        return value instanceof JsonObject json ? json : new JsonObject(String.valueOf(value));
    }
}
