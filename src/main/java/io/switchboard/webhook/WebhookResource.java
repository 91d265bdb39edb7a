package io.switchboard.webhook;

import io.switchboard.web.UrlGuard;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.security.TenantAccess;
import io.switchboard.events.EventStore;
import io.switchboard.session.store.SessionStore;
import io.switchboard.web.ApiException;
import io.switchboard.web.CanonicalUuid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * An organization's webhook endpoints: registered with a URL and the event types wanted; the
 * signing secret is shown once (at creation and at each rotation); deliveries can be read with
 * every attempt and sent again.
 */
@Path("/api/v1/organizations/{id}/webhooks")
@Authenticated
@SecurityRequirement(name = "SecurityScheme")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Webhooks")
public class WebhookResource {

    static final Set<String> EVENTS = Set.of(EventStore.SESSION_STATE_CHANGED, EventStore.SESSION_QR, EventStore.MESSAGE_RECEIVED,
            EventStore.MESSAGE_STATUS, EventStore.MESSAGE_REACTION, EventStore.MESSAGE_EDITED, EventStore.MESSAGE_DELETED,
            EventStore.PRESENCE_UPDATED, EventStore.GROUP_CREATED, EventStore.GROUP_JOINED, EventStore.GROUP_UPDATED,
            EventStore.GROUP_PARTICIPANTS, EventStore.GROUP_LEFT);
    static final int MAX_ENDPOINTS = 10;

    /** {@code url}: where to post; {@code events}: the types wanted (at least one). */
    public record EndpointRequest(String url, List<String> events) {
    }

    private final WebhookStore store;
    private final SessionStore sessions;
    private final TenantAccess access;
    private final WebhookConfig config;

    WebhookResource(WebhookStore store, SessionStore sessions, TenantAccess access, WebhookConfig config) {
        this.store = store;
        this.sessions = sessions;
        this.access = access;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register a webhook endpoint", description = "Events of the chosen types are posted to the URL,"
            + " signed as Standard Webhooks does (webhook-id, webhook-timestamp, webhook-signature) with the secret in this"
            + " answer, shown once. The URL must resolve to public addresses. At most 10 per organization.")
    @APIResponse(responseCode = "201", description = "Registered; the secret is shown this once.",
            content = @Content(schema = @Schema(implementation = WebhookViews.WebhookView.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (url, events), `url-not-allowed` (resolves to an"
            + " internal address), `invalid-path-parameter`, `malformed-json`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`too-many-webhooks`.", content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> create(@PathParam("id") String id, EndpointRequest request) {
        UUID org = organization(id);
        if (request == null || request.url() == null) {
            throw ApiException.invalidField("url", "is required");
        }
        if (request.events() == null || request.events().isEmpty() || !EVENTS.containsAll(request.events())) {
            throw ApiException.invalidField("events", "must list one or more of " + EVENTS);
        }
        URI uri;
        try {
            uri = UrlGuard.parse(request.url());
        } catch (UrlGuard.Refused e) {
            throw ApiException.invalidField("url", e.getMessage().replaceFirst("^url ", ""));
        }
        List<String> events = request.events().stream().distinct().sorted().toList();
        return exists(org)
                .flatMap(ignored -> Uni.createFrom().item(() -> {
                    try {
                        UrlGuard.check(uri, config.allowPrivateTargets());
                        return uri;
                    } catch (UrlGuard.Refused e) {
                        throw ApiException.badRequest("url-not-allowed", e.getMessage());
                    }
                }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .flatMap(ignored -> {
                    // The limit is checked by the insert itself, under the organization's lock (no count read before it).
                    String secret = WebhookSigner.newSecret();
                    return store.create(org, request.url(), events, secret, MAX_ENDPOINTS).map(endpoint -> {
                        if (endpoint == null) {
                            throw ApiException.conflict("too-many-webhooks", "An organization has at most " + MAX_ENDPOINTS
                                    + " webhooks.");
                        }
                        return Response.status(201).entity(WebhookViews.WebhookView.of(endpoint, secret)).build();
                    });
                });
    }

    @GET
    @Operation(summary = "List webhook endpoints")
    @APIResponse(responseCode = "200", description = "The endpoints (without secrets).",
            content = @Content(schema = @Schema(implementation = WebhookViews.WebhookList.class)))
    public Uni<WebhookViews.WebhookList> list(@PathParam("id") String id) {
        UUID org = organization(id);
        return exists(org).flatMap(ignored -> store.list(org)).map(endpoints -> new WebhookViews.WebhookList(true,
                endpoints.stream().map(endpoint -> WebhookViews.WebhookView.of(endpoint, null)).toList()));
    }

    @DELETE
    @Path("/{webhookId}")
    @Operation(summary = "Delete a webhook endpoint", description = "Its pending deliveries go with it.")
    @APIResponse(responseCode = "204", description = "Deleted.")
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `webhook-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> delete(@PathParam("id") String id, @PathParam("webhookId") String webhookId) {
        UUID org = organization(id);
        UUID webhook = CanonicalUuid.pathParameter("webhookId", webhookId);
        return exists(org).flatMap(ignored -> store.delete(org, webhook)).map(deleted -> {
            if (!deleted) {
                throw ApiException.notFound("webhook-not-found", "Webhook " + webhook + " does not exist.");
            }
            return Response.noContent().build();
        });
    }

    /** A new secret, shown once; the old one keeps signing (alongside) for {@code switchboard.webhooks.secret-overlap}. */
    @POST
    @Path("/{webhookId}/rotate-secret")
    @Operation(summary = "Rotate a webhook's secret", description = "A new secret, shown once; until"
            + " previousSecretValidUntil every delivery carries both signatures.")
    @APIResponse(responseCode = "200", description = "Rotated.", content = @Content(schema = @Schema(implementation =
            WebhookViews.RotatedSecret.class)))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `webhook-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<WebhookViews.RotatedSecret> rotate(@PathParam("id") String id, @PathParam("webhookId") String webhookId) {
        UUID org = organization(id);
        UUID webhook = CanonicalUuid.pathParameter("webhookId", webhookId);
        String secret = WebhookSigner.newSecret();
        Instant until = Instant.now().plus(config.secretOverlap());
        return exists(org).flatMap(ignored -> store.rotate(org, webhook, secret, until)).map(rotated -> {
            if (!rotated) {
                throw ApiException.notFound("webhook-not-found", "Webhook " + webhook + " does not exist.");
            }
            return new WebhookViews.RotatedSecret(true, webhook, secret, until);
        });
    }

    /** Recent deliveries, newest first, each with its attempts (status code, latency, error, 1 KB of the answer). */
    @GET
    @Path("/deliveries")
    @Operation(summary = "Recent webhook deliveries", description = "Newest first, each with its attempts: status code,"
            + " latency, error, at most 1 KB of the answer.")
    @APIResponse(responseCode = "200", description = "Deliveries.", content = @Content(schema = @Schema(implementation =
            WebhookViews.DeliveryList.class)))
    public Uni<WebhookViews.DeliveryList> deliveries(@PathParam("id") String id, @QueryParam("limit") String limit) {
        UUID org = organization(id);
        int size;
        try {
            size = limit == null ? 50 : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (size < 1 || size > 200) {
            throw ApiException.badRequest("invalid-query", "limit must be 1 to 200.");
        }
        int chosen = size;
        return exists(org).flatMap(ignored -> store.deliveries(org, chosen))
                .map(deliveries -> new WebhookViews.DeliveryList(true, deliveries));
    }

    @POST
    @Path("/deliveries/{deliveryId}/redeliver")
    @Operation(summary = "Send a delivery again", description = "Whatever its state (delivered, dead, pending), unless an"
            + " attempt is running; its attempts are kept.")
    @APIResponse(responseCode = "202", description = "Pending again, now.", content = @Content(schema = @Schema(implementation =
            WebhookViews.Redelivery.class)))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `delivery-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`delivery-in-progress`: an attempt is running.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> redeliver(@PathParam("id") String id, @PathParam("deliveryId") String deliveryId) {
        UUID org = organization(id);
        UUID delivery = CanonicalUuid.pathParameter("deliveryId", deliveryId);
        return exists(org).flatMap(ignored -> store.redeliver(org, delivery)).flatMap(queued -> {
            if (queued) {
                return Uni.createFrom().item(Response.accepted(new WebhookViews.Redelivery(true, delivery, "pending")).build());
            }
            return store.deliveryExists(org, delivery).map(found -> {
                if (!found) {
                    throw ApiException.notFound("delivery-not-found", "Delivery " + delivery + " does not exist.");
                }
                throw ApiException.conflict("delivery-in-progress", "The delivery is being attempted right now; try again shortly.");
            });
        });
    }

    private UUID organization(String id) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        return org;
    }

    private Uni<UUID> exists(UUID org) {
        return sessions.organizationExists(org).map(found -> {
            if (!found) {
                throw ApiException.notFound("organization-not-found", "Organization " + org + " does not exist.");
            }
            return org;
        });
    }
}
