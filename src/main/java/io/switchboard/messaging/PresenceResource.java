package io.switchboard.messaging;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.switchboard.security.TenantAccess;
import io.switchboard.session.store.SessionStore;
import io.switchboard.web.ApiException;
import io.switchboard.web.CanonicalUuid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Presence: ours (online or not; typing, recording or paused in a chat) and, after subscribing,
 * a contact's — which arrives as presence.updated events, like their typing in our chats.
 */
@Path("/api/v1/organizations/{id}/whatsapp/presence")
@Authenticated
@SecurityRequirement(name = "SecurityScheme")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Contacts")
public class PresenceResource {

    /** {@code state}: available/unavailable (no {@code to}), or composing/recording/paused in the chat with {@code to}. */
    public record PresenceRequest(@Schema(description = "The chat (for composing, recording, paused)", example = "+5511912345678")
            String to, @Schema(enumeration = {"available", "unavailable", "composing", "recording", "paused"}) String state) {
    }

    /** {@code phone}: whose presence to receive. */
    public record SubscribeRequest(@Schema(example = "+5511912345678") String phone) {
    }

    public record Done(boolean success) {
    }

    private final TenantAccess access;
    private final SessionStore sessions;
    private final Presences presences;

    PresenceResource(TenantAccess access, SessionStore sessions, Presences presences) {
        this.access = access;
        this.sessions = sessions;
        this.presences = presences;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Send our presence", description = "available or unavailable to everyone (while available, WhatsApp"
            + " does not notify the phone), or composing, recording (a voice note) or paused in the chat with `to` — the other"
            + " side sees \"typing…\". Sent at once by the replica running the connection; nothing is queued.")
    @APIResponse(responseCode = "200", description = "Sent.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Done.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (state, to), `malformed-json`, `invalid-path-parameter`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`not-connected`.", content = @Content(mediaType = "application/problem+json"))
    public Uni<Done> presence(@PathParam("id") String id, PresenceRequest request) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        String state = request == null ? null : request.state();
        boolean global = "available".equals(state) || "unavailable".equals(state);
        if (!global && !List.of("composing", "recording", "paused").contains(state)) {
            throw ApiException.invalidField("state", "must be available, unavailable, composing, recording or paused");
        }
        if (global != (request.to() == null)) {
            throw ApiException.invalidField("to", global ? "goes only with composing, recording or paused"
                    : "is required with " + state);
        }
        String phone = global ? null : PhoneNumbers.digits("to", request.to());
        return send(org, state, phone);
    }

    @POST
    @Path("/subscribe")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Receive a contact's presence", description = "From now on (until the connection ends) the contact's"
            + " online/offline changes, with when they were last seen if they share it, arrive as presence.updated events.")
    @APIResponse(responseCode = "200", description = "Asked.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = Done.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (phone), `malformed-json`, `invalid-path-parameter`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`not-connected`.", content = @Content(mediaType = "application/problem+json"))
    public Uni<Done> subscribe(@PathParam("id") String id, SubscribeRequest request) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        return send(org, "subscribe", PhoneNumbers.digits("phone", request == null ? null : request.phone()));
    }

    private Uni<Done> send(UUID org, String state, String phone) {
        return sessions.organizationExists(org).flatMap(exists -> {
            if (!exists) {
                throw ApiException.notFound("organization-not-found", "Organization " + org + " does not exist.");
            }
            return presences.presence(org, state, phone).onFailure(PhoneReupload.Failed.class)
                    .transform(error -> new ApiException(409, "not-connected", error.getMessage())).map(ignored -> new Done(true));
        });
    }
}
