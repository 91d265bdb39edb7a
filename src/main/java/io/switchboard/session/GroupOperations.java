package io.switchboard.session;

import io.smallrye.mutiny.Uni;
import io.switchboard.messaging.PhoneReupload;
import io.switchboard.protocol.client.GroupStanzas;
import io.switchboard.protocol.client.GroupStanzas.GroupInfo;
import io.switchboard.protocol.client.WhatsAppClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Group requests as the replica running the connection carries them out: each asks WhatsApp
 * through the live client, keeps the metadata it learns, and stores its answer under the request
 * id for the replica that took the request. A metadata query is not repeated within
 * {@code switchboard.messages.group-metadata-interval} and concurrent ones for one group share a single query.
 */
final class GroupOperations {

    private final UUID organizationId;
    private final SessionContext ctx;
    /** Metadata queries under way, by group jid: later callers join them. */
    private final Map<String, Uni<GroupInfo>> querying = new ConcurrentHashMap<>();

    GroupOperations(UUID organizationId, SessionContext ctx) {
        this.organizationId = organizationId;
        this.ctx = ctx;
    }

    /** Decodes and carries out {@code argument} ({@code requestId:base64url(JSON)}) with {@code client}. */
    Uni<Void> run(WhatsAppClient client, String argument) {
        int colon = argument.indexOf(':');
        UUID requestId = UUID.fromString(argument.substring(0, colon));
        JsonObject request = new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(argument.substring(colon + 1)),
                java.nio.charset.StandardCharsets.UTF_8));
        String group = request.getString("group");
        Uni<JsonObject> answer = switch (request.getString("op", "")) {
            case "create" -> call(() -> client.createGroup(request.getString("subject"), strings(request, "phones")))
                    .flatMap(this::kept).map(info -> new JsonObject().put("group", info.jid()));
            case "get" -> metadata(client, group, request.getBoolean("refresh", false)).map(ignored -> new JsonObject().put("group", group));
            case "list" -> call(client::joinedGroups).flatMap(infos -> {
                Uni<Void> chain = Uni.createFrom().voidItem();
                for (GroupInfo info : infos) {
                    chain = chain.flatMap(ignored -> ctx.groups().fetched(organizationId, info));
                }
                return chain.map(ignored -> new JsonObject().put("count", infos.size()));
            });
            case "participants" -> call(() -> client.changeParticipants(group, request.getString("action"), strings(request, "phones")))
                    .flatMap(results -> refreshed(client, group).map(ignored -> new JsonObject().put("results", new JsonObject(
                            new java.util.LinkedHashMap<>(results)))));
            case "update" -> update(client, group, request).flatMap(ignored -> refreshed(client, group))
                    .map(ignored -> new JsonObject().put("group", group));
            case "invite" -> call(() -> client.inviteCode(group, request.getBoolean("reset", false)))
                    .map(code -> new JsonObject().put("code", code));
            case "join" -> call(() -> client.joinGroup(request.getString("code")))
                    .flatMap(jid -> refreshed(client, jid).map(ignored -> new JsonObject().put("group", jid)));
            case "leave" -> call(() -> client.leaveGroup(group)).flatMap(ignored -> ctx.groups().left(organizationId, group))
                    .map(ignored -> new JsonObject());
            default -> Uni.createFrom().failure(new PhoneReupload.Failed("invalid-body", "unknown group request"));
        };
        return answer.flatMap(result -> ctx.groups().answer(requestId, organizationId, result));
    }

    /**
     * Makes sure the kept metadata is fresh: kept if asked within the interval (unless
     * {@code refresh}), else asked of WhatsApp once for every caller and kept.
     */
    private Uni<Void> metadata(WhatsAppClient client, String group, boolean refresh) {
        Instant since = Instant.now().minus(ctx.messaging().groupMetadataInterval());
        return ctx.groups().find(organizationId, group).flatMap(kept -> {
            if (!refresh && kept.isPresent() && kept.get().member() && kept.get().fetchedAt() != null
                    && kept.get().fetchedAt().isAfter(since)) {
                return Uni.createFrom().voidItem();
            }
            return querying.computeIfAbsent(group, jid -> call(() -> client.groupInfo(jid, true)).flatMap(this::kept)
                    .onFailure(PhoneReupload.Failed.class).call(error -> List.of("not-group-member", "group-not-found")
                            .contains(((PhoneReupload.Failed) error).reason()) ? ctx.groups().left(organizationId, jid)
                            : Uni.createFrom().voidItem())
                    // A Runnable, not a Supplier: the removed Uni is this one, and waiting on it would never end.
                    .eventually(() -> {
                        querying.remove(jid);
                    }).memoize().indefinitely()).replaceWithVoid();
        });
    }

    private Uni<Void> refreshed(WhatsAppClient client, String group) {
        return metadata(client, group, true);
    }

    private Uni<GroupInfo> kept(GroupInfo info) {
        return ctx.groups().fetched(organizationId, info).replaceWith(info);
    }

    private static Uni<Void> update(WhatsAppClient client, String group, JsonObject request) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        if (request.containsKey("subject")) {
            chain = chain.flatMap(ignored -> call(() -> client.setSubject(group, request.getString("subject"))));
        }
        if (request.containsKey("description")) {
            chain = chain.flatMap(ignored -> call(() -> client.setDescription(group, request.getString("description"))));
        }
        if (request.containsKey("announcementOnly")) {
            String setting = request.getBoolean("announcementOnly") ? "announcement" : "not_announcement";
            chain = chain.flatMap(ignored -> call(() -> client.setSetting(group, setting)));
        }
        if (request.containsKey("locked")) {
            String setting = request.getBoolean("locked") ? "locked" : "unlocked";
            chain = chain.flatMap(ignored -> call(() -> client.setSetting(group, setting)));
        }
        return chain;
    }

    private static List<String> strings(JsonObject request, String field) {
        List<String> values = new ArrayList<>();
        request.getJsonArray(field, new io.vertx.core.json.JsonArray()).forEach(value -> values.add(String.valueOf(value)));
        return values;
    }

    /** The client's future as a Uni; its failures as the API's reasons. */
    private static <T> Uni<T> call(java.util.function.Supplier<Future<T>> action) {
        return Uni.createFrom().completionStage(() -> action.get().toCompletionStage()).onFailure().transform(error -> {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof GroupStanzas.GroupRefused refused) {
                String reason = switch (refused.code) {
                    case 401 -> "not-group-admin";
                    case 403 -> "not-group-member";
                    case 404 -> "group-not-found";
                    case 304, 409 -> "already-group-member";
                    case 406 -> "invalid-group-field";
                    case 410 -> "invite-revoked";
                    case 429 -> "rate-limited";
                    default -> "group-request-failed";
                };
                return new PhoneReupload.Failed(reason, cause.getMessage());
            }
            if (cause instanceof IllegalStateException) {
                return new PhoneReupload.Failed("not-connected", "The organization's WhatsApp is not connected: " + cause.getMessage());
            }
            if (cause instanceof IllegalArgumentException) {
                return new PhoneReupload.Failed("invalid-body", cause.getMessage());
            }
            return new PhoneReupload.Failed("group-request-failed", "WhatsApp did not answer the group request: " + cause.getMessage());
        });
    }
}
