package io.switchboard.messaging;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.security.TenantAccess;
import io.switchboard.session.store.GroupStore;
import io.switchboard.session.store.SessionStore;
import io.switchboard.web.ApiException;
import io.switchboard.web.CanonicalUuid;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The organization's WhatsApp groups: created, read, changed, joined and left through the replica
 * running the connection; metadata kept in PostgreSQL (updated from WhatsApp's group notifications)
 * and read by any replica, asked of WhatsApp at most once per {@code switchboard.messages.group-metadata-interval}.
 */
@Path("/api/v1/organizations/{id}/whatsapp/groups")
@Authenticated
@SecurityRequirement(name = "SecurityScheme")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Groups")
public class GroupsResource {

    static final int MAX_PARTICIPANTS = 256;
    static final int MAX_SUBJECT = 100;
    static final int MAX_DESCRIPTION = 2048;
    private static final String INVITE_PREFIX = "https://chat.whatsapp.com/";

    @Schema(name = "GroupParticipant")
    public record Member(@Schema(nullable = true, description = "Digits; null when WhatsApp named only a LID we cannot map") String phone,
            @Schema(nullable = true, description = "The member's LID user") String lid,
            @Schema(enumeration = {"member", "admin", "superadmin"}) String role) {
    }

    public record Group(@Schema(example = "120363041234567890@g.us") String id, String subject,
            @Schema(nullable = true) String description, boolean announcementOnly, boolean locked,
            @Schema(enumeration = {"pn", "lid"}, description = "How WhatsApp addresses the members: phone numbers or LIDs")
            String addressingMode, @Schema(nullable = true, description = "Who created it (digits)") String creator,
            @Schema(nullable = true) String createdAt, List<Member> participants,
            @Schema(description = "Whether the organization is (still) a member") boolean member,
            @Schema(nullable = true, description = "When WhatsApp was last asked for it") Instant fetchedAt, Instant updatedAt) {
    }

    public record GroupPage(List<Group> items, int page, int size, long total) {
    }

    public record CreateGroup(@Schema(description = "1 to 100 characters", example = "Class 7B") String subject,
            @Schema(description = "Numbers to add (1 to 256), country code first", example = "[\"+55 11 98765-4321\"]")
            List<String> participants) {
    }

    public record UpdateGroup(@Schema(nullable = true, description = "1 to 100 characters") String subject,
            @Schema(nullable = true, description = "Up to 2048 characters; \"\" removes it") String description,
            @Schema(nullable = true, description = "Only admins may send") Boolean announcementOnly,
            @Schema(nullable = true, description = "Only admins may change the subject, description and settings") Boolean locked) {
    }

    public record ParticipantsChange(@Schema(enumeration = {"add", "remove", "promote", "demote"}) String action,
            @Schema(description = "1 to 256 numbers") List<String> phones) {
    }

    public record ParticipantResult(String phone, @Schema(description = "WhatsApp's code: 200 done, 401 not allowed, 403 the"
            + " person's privacy settings refuse it, 404 not on WhatsApp or not a member, 408 left recently, 409 already a member")
            int code, @Schema(enumeration = {"done", "not-authorized", "privacy", "not-found", "left-recently", "already-member",
                "group-full", "failed"}) String status) {
    }

    public record ParticipantsResult(List<ParticipantResult> results, Group group) {
    }

    public record InviteLink(String code, @Schema(example = "https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv") String link) {
    }

    public record JoinRequest(@Schema(description = "The invite code or link") String code) {
    }

    private final TenantAccess access;
    private final SessionStore sessions;
    private final GroupStore groups;
    private final GroupRequests requests;
    private final MessagesConfig config;

    GroupsResource(TenantAccess access, SessionStore sessions, GroupStore groups, GroupRequests requests, MessagesConfig config) {
        this.access = access;
        this.sessions = sessions;
        this.groups = groups;
        this.requests = requests;
        this.config = config;
    }

    private static final String ERRORS_400 = "`invalid-body`, `invalid-field`, `malformed-json`, `invalid-path-parameter`.";
    private static final String ERRORS_409 = "`not-connected`: WhatsApp is not connected for this organization;"
            + " `already-group-member`.";

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a group", description = "The organization becomes its super admin; each number is added"
            + " (see the participants' roles in the answer; a number WhatsApp refused is left out).")
    @APIResponse(responseCode = "201", description = "Created.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Group.class)))
    @APIResponse(responseCode = "400", description = ERRORS_400, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = ERRORS_409, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`group-request-failed`, `owner-unavailable`: retry shortly.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> create(@PathParam("id") String id, CreateGroup request) {
        UUID org = organization(id);
        if (request == null || request.subject() == null || request.subject().isBlank()
                || request.subject().strip().codePointCount(0, request.subject().strip().length()) > MAX_SUBJECT) {
            throw ApiException.invalidField("subject", "must be 1 to " + MAX_SUBJECT + " characters");
        }
        List<String> phones = phones("participants", request.participants());
        JsonObject ask = new JsonObject().put("op", "create").put("subject", request.subject().strip()).put("phones", new JsonArray(phones));
        return existing(org).flatMap(ignored -> ask(org, ask)).flatMap(answer -> view(org, answer.getString("group")))
                .map(group -> Response.status(201).entity(group).build());
    }

    @GET
    @Operation(summary = "The groups the organization is in", description = "Kept from WhatsApp's answers and notifications;"
            + " `refresh=true` asks WhatsApp for the whole list first.")
    @APIResponse(responseCode = "200", description = "A page, most recently changed first.", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = GroupPage.class)))
    @APIResponse(responseCode = "400", description = "`invalid-paging`, `invalid-query`, `invalid-path-parameter`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = ERRORS_409, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`group-request-failed`, `owner-unavailable`: retry shortly.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<GroupPage> list(@PathParam("id") String id,
            @QueryParam("page") @DefaultValue("0") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0")) String pageText,
            @QueryParam("size") @DefaultValue("20") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "100")) String sizeText,
            @QueryParam("refresh") @DefaultValue("false") @Parameter(schema = @Schema(type = SchemaType.BOOLEAN)) String refreshText) {
        UUID org = organization(id);
        // Parsed here: a value that is not a number is a 400 invalid-paging (JAX-RS would answer 404).
        int page = pageText.matches("[0-9]{1,6}") ? Integer.parseInt(pageText) : -1;
        int size = sizeText.matches("[0-9]{1,3}") ? Integer.parseInt(sizeText) : -1;
        if (page < 0 || size < 1 || size > 100) {
            throw ApiException.badRequest("invalid-paging", "page must be 0 to 999999 and size 1 to 100.");
        }
        if (!"true".equals(refreshText) && !"false".equals(refreshText)) {
            throw ApiException.badRequest("invalid-query", "refresh must be true or false.");
        }
        boolean refresh = Boolean.parseBoolean(refreshText);
        Uni<Void> first = refresh ? ask(org, new JsonObject().put("op", "list")).replaceWithVoid() : Uni.createFrom().voidItem();
        return existing(org).flatMap(ignored -> first).flatMap(ignored -> groups.joined(org, page, size))
                .map(found -> new GroupPage(found.items().stream().map(GroupsResource::group).toList(), page, size, found.total()));
    }

    @GET
    @Path("/{groupId}")
    @Operation(summary = "A group", description = "As kept; asked of WhatsApp when older than"
            + " switchboard.messages.group-metadata-interval (concurrent callers share one query).")
    @APIResponse(responseCode = "200", description = "The group.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Group.class)))
    @APIResponse(responseCode = "400", description = "`invalid-path-parameter`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "403", description = "`not-group-member`: the organization is not (or no longer) in the group.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `group-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = ERRORS_409, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`group-request-failed`, `owner-unavailable`: retry shortly.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Group> get(@PathParam("id") String id, @PathParam("groupId") String groupId) {
        UUID org = organization(id);
        String jid = groupJid(groupId);
        Instant since = Instant.now().minus(config.groupMetadataInterval());
        return existing(org).flatMap(ignored -> groups.find(org, jid)).flatMap(kept -> {
            if (kept.isPresent() && kept.get().member() && kept.get().fetchedAt() != null && kept.get().fetchedAt().isAfter(since)) {
                return Uni.createFrom().item(group(kept.get()));
            }
            return ask(org, new JsonObject().put("op", "get").put("group", jid)).flatMap(answer -> view(org, jid));
        });
    }

    @PATCH
    @Path("/{groupId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change a group's subject, description or settings")
    @APIResponse(responseCode = "200", description = "The group as it is now.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Group.class)))
    @APIResponse(responseCode = "400", description = ERRORS_400 + " `invalid-group-field` (WhatsApp refused the value).",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "403", description = "`not-group-admin`, `not-group-member`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `group-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = ERRORS_409, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`group-request-failed`, `owner-unavailable`: retry shortly.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Group> update(@PathParam("id") String id, @PathParam("groupId") String groupId, UpdateGroup request) {
        UUID org = organization(id);
        String jid = groupJid(groupId);
        if (request == null || (request.subject() == null && request.description() == null && request.announcementOnly() == null
                && request.locked() == null)) {
            throw ApiException.badRequest("invalid-body", "Give at least one of subject, description, announcementOnly, locked.");
        }
        JsonObject ask = new JsonObject().put("op", "update").put("group", jid);
        if (request.subject() != null) {
            String subject = request.subject().strip();
            if (subject.isEmpty() || subject.codePointCount(0, subject.length()) > MAX_SUBJECT) {
                throw ApiException.invalidField("subject", "must be 1 to " + MAX_SUBJECT + " characters");
            }
            ask.put("subject", subject);
        }
        if (request.description() != null) {
            if (request.description().length() > MAX_DESCRIPTION) {
                throw ApiException.invalidField("description", "must be at most " + MAX_DESCRIPTION + " characters");
            }
            ask.put("description", request.description());
        }
        if (request.announcementOnly() != null) {
            ask.put("announcementOnly", request.announcementOnly());
        }
        if (request.locked() != null) {
            ask.put("locked", request.locked());
        }
        return existing(org).flatMap(ignored -> ask(org, ask)).flatMap(answer -> view(org, jid));
    }

    @POST
    @Path("/{groupId}/participants")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add, remove, promote or demote participants", description = "Admins only. One result per number, with"
            + " WhatsApp's code; removing someone also retires our sender key for the group, so they cannot read what is sent next.")
    @APIResponse(responseCode = "200", description = "A result per number, and the group as it is now.", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ParticipantsResult.class)))
    @APIResponse(responseCode = "400", description = ERRORS_400, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "403", description = "`not-group-admin`, `not-group-member`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `group-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = ERRORS_409, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`group-request-failed`, `owner-unavailable`: retry shortly.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<ParticipantsResult> participants(@PathParam("id") String id, @PathParam("groupId") String groupId,
            ParticipantsChange request) {
        UUID org = organization(id);
        String jid = groupJid(groupId);
        if (request == null || !List.of("add", "remove", "promote", "demote").contains(request.action())) {
            throw ApiException.invalidField("action", "must be add, remove, promote or demote");
        }
        List<String> phones = phones("phones", request.phones());
        JsonObject ask = new JsonObject().put("op", "participants").put("group", jid).put("action", request.action())
                .put("phones", new JsonArray(phones));
        return existing(org).flatMap(ignored -> ask(org, ask)).flatMap(answer -> {
            JsonObject codes = answer.getJsonObject("results", new JsonObject());
            List<ParticipantResult> results = new ArrayList<>();
            for (String phone : phones) {
                int code = codes.getInteger(phone, 404);
                results.add(new ParticipantResult(phone, code, status(code)));
            }
            return view(org, jid).map(group -> new ParticipantsResult(results, group));
        });
    }

    @GET
    @Path("/{groupId}/invite-link")
    @Operation(summary = "The group's invite link", description = "Admins only.")
    @APIResponse(responseCode = "200", description = "The code and its link.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = InviteLink.class)))
    @APIResponse(responseCode = "400", description = "`invalid-path-parameter`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "403", description = "`not-group-admin`, `not-group-member`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `group-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = ERRORS_409, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`group-request-failed`, `owner-unavailable`: retry shortly.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<InviteLink> inviteLink(@PathParam("id") String id, @PathParam("groupId") String groupId) {
        return invite(id, groupId, false);
    }

    @DELETE
    @Path("/{groupId}/invite-link")
    @Operation(summary = "Revoke the invite link", description = "Admins only. The old link stops working; the new one is answered.")
    @APIResponse(responseCode = "200", description = "The new code and its link.", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = InviteLink.class)))
    @APIResponse(responseCode = "400", description = "`invalid-path-parameter`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "403", description = "`not-group-admin`, `not-group-member`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `group-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = ERRORS_409, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`group-request-failed`, `owner-unavailable`: retry shortly.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<InviteLink> revokeInviteLink(@PathParam("id") String id, @PathParam("groupId") String groupId) {
        return invite(id, groupId, true);
    }

    private Uni<InviteLink> invite(String id, String groupId, boolean reset) {
        UUID org = organization(id);
        String jid = groupJid(groupId);
        return existing(org).flatMap(ignored -> ask(org, new JsonObject().put("op", "invite").put("group", jid).put("reset", reset)))
                .map(answer -> new InviteLink(answer.getString("code"), INVITE_PREFIX + answer.getString("code")));
    }

    @POST
    @Path("/join")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Join a group by its invite code or link")
    @APIResponse(responseCode = "200", description = "The group joined.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Group.class)))
    @APIResponse(responseCode = "400", description = ERRORS_400, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `group-not-found` (no group has this code).",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = ERRORS_409, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "410", description = "`invite-revoked`: the link was reset.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`group-request-failed`, `owner-unavailable`: retry shortly.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Group> join(@PathParam("id") String id, JoinRequest request) {
        UUID org = organization(id);
        String code = request == null || request.code() == null ? "" : request.code().strip();
        if (code.startsWith(INVITE_PREFIX)) {
            code = code.substring(INVITE_PREFIX.length());
        }
        if (!code.matches("[A-Za-z0-9]{10,40}")) {
            throw ApiException.invalidField("code", "must be an invite code (10 to 40 letters and digits) or its link");
        }
        String invite = code;
        return existing(org).flatMap(ignored -> ask(org, new JsonObject().put("op", "join").put("code", invite)))
                .flatMap(answer -> view(org, answer.getString("group")));
    }

    @POST
    @Path("/{groupId}/leave")
    @Operation(summary = "Leave a group")
    @APIResponse(responseCode = "204", description = "Left.")
    @APIResponse(responseCode = "400", description = "`invalid-path-parameter`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `group-not-found` (not in it).",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = ERRORS_409, content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`group-request-failed`, `owner-unavailable`: retry shortly.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> leave(@PathParam("id") String id, @PathParam("groupId") String groupId) {
        UUID org = organization(id);
        String jid = groupJid(groupId);
        return existing(org).flatMap(ignored -> ask(org, new JsonObject().put("op", "leave").put("group", jid)))
                .map(ignored -> Response.noContent().build());
    }

    // ---- helpers --------------------------------------------------------------------------------

    private UUID organization(String id) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        return org;
    }

    private Uni<Void> existing(UUID org) {
        return sessions.organizationExists(org).map(exists -> {
            if (!exists) {
                throw ApiException.notFound("organization-not-found", "Organization " + org + " does not exist.");
            }
            return null;
        });
    }

    /** {@code 120363…@g.us} or its digits (old ids: {@code creator-time}). */
    static String groupJid(String groupId) {
        String jid = groupId != null && !groupId.contains("@") ? groupId + "@g.us" : groupId;
        if (!WhatsAppClient.isGroupJid(jid)) {
            throw new ApiException(400, "invalid-path-parameter", "groupId must be a group id such as 120363041234567890@g.us.",
                    List.of("groupId"));
        }
        return jid;
    }

    private static List<String> phones(String field, List<String> written) {
        if (written == null || written.isEmpty() || written.size() > MAX_PARTICIPANTS) {
            throw ApiException.invalidField(field, "must list 1 to " + MAX_PARTICIPANTS + " numbers");
        }
        LinkedHashSet<String> phones = new LinkedHashSet<>();
        for (int i = 0; i < written.size(); i++) {
            phones.add(PhoneNumbers.digits(field + "[" + i + "]", written.get(i)));
        }
        return List.copyOf(phones);
    }

    private Uni<JsonObject> ask(UUID org, JsonObject request) {
        return requests.group(org, request).onFailure(PhoneReupload.Failed.class).transform(error -> problem((PhoneReupload.Failed) error));
    }

    private static ApiException problem(PhoneReupload.Failed failed) {
        int status = switch (failed.reason()) {
            case "not-connected", "already-group-member" -> 409;
            case "not-group-admin", "not-group-member" -> 403;
            case "group-not-found" -> 404;
            case "invite-revoked" -> 410;
            case "invalid-group-field", "invalid-body" -> 400;
            case "rate-limited" -> 429;
            default -> 503;
        };
        String reason = status == 503 && !"owner-unavailable".equals(failed.reason()) ? "group-request-failed" : failed.reason();
        return new ApiException(status, reason, failed.getMessage());
    }

    private Uni<Group> view(UUID org, String jid) {
        return groups.find(org, jid).map(kept -> kept.map(GroupsResource::group).orElseThrow(() -> new ApiException(503,
                "group-request-failed", "WhatsApp's answer for " + jid + " was not kept; retry shortly.")));
    }

    private static Group group(GroupStore.Kept kept) {
        JsonObject m = kept.metadata();
        List<Member> members = new ArrayList<>();
        for (Object entry : m.getJsonArray("participants", new JsonArray())) {
            JsonObject p = (JsonObject) entry;
            members.add(new Member(p.getString("phone"), p.getString("lid"), p.getString("role", "member")));
        }
        return new Group(m.getString("id"), m.getString("subject", ""), m.getString("description"), m.getBoolean("announcementOnly", false),
                m.getBoolean("locked", false), m.getString("addressingMode", "pn"), m.getString("creator"), m.getString("createdAt"), members,
                kept.member(), kept.fetchedAt() == null || kept.fetchedAt().equals(Instant.EPOCH) ? null : kept.fetchedAt(),
                kept.updatedAt());
    }

    private static String status(int code) {
        return switch (code) {
            case 200 -> "done";
            case 401 -> "not-authorized";
            case 403 -> "privacy";
            case 404 -> "not-found";
            case 408 -> "left-recently";
            case 409 -> "already-member";
            case 500 -> "group-full";
            default -> "failed";
        };
    }
}
