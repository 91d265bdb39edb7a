package io.switchboard.organization.rest;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.switchboard.db.Database;
import io.switchboard.organization.service.OrganizationService;
import io.switchboard.security.TenantAccess;
import io.switchboard.web.ApiException;
import io.switchboard.web.CanonicalUuid;
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
import jakarta.ws.rs.core.UriInfo;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/v1/organizations")
@Authenticated
@SecurityRequirement(name = "SecurityScheme")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Organizations")
public class OrganizationResource {

    static final int MAX_PAGE_SIZE = 200;

    private final OrganizationService service;
    private final TenantAccess access;
    private final Database database;

    OrganizationResource(OrganizationService service, TenantAccess access, Database database) {
        this.database = database;
        this.service = service;
        this.access = access;
    }

    @POST
    @Operation(summary = "Create an organization", description = "Admin tokens only. The organization starts without a"
            + " WhatsApp number: link one with init-baileys or pairing-code.")
    @APIResponse(responseCode = "201", description = "Created.", headers = @Header(name = "Location",
            description = "The organization's URL.", schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums
                    .SchemaType.STRING)), content = @Content(schema = @Schema(implementation = OrganizationView.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (name missing, blank, longer than 200 characters, with"
            + " control characters or a lone surrogate), `missing-body`, `malformed-json`.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<RestResponse<OrganizationView>> create(OrganizationRequest request, UriInfo uri) {
        access.requireAdmin();
        return database.bounded(service.create(OrganizationRequest.validNameOf(request)))
                .map(created -> RestResponse.ResponseBuilder
                        .<OrganizationView>created(uri.getAbsolutePathBuilder().path(created.getId().toString()).build())
                        .entity(OrganizationView.of(created))
                        .build());
    }

    @GET
    @Operation(summary = "List organizations", description = "Admin tokens see every organization; other tokens the"
            + " organizations in their `orgs` claim. Ordered by creation, paged.")
    @APIResponse(responseCode = "200", description = "A page.", content = @Content(schema = @Schema(implementation =
            OrganizationPageView.class)))
    @APIResponse(responseCode = "400", description = "`invalid-paging` (page < 0, size outside 1–200), `invalid-body`"
            + " (page × size too large).", content = @Content(mediaType = "application/problem+json"))
    public Uni<OrganizationPageView> list(
            @QueryParam("page") @DefaultValue("0") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "0")) String pageText,
            @QueryParam("size") @DefaultValue("50") @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "200")) String sizeText) {
        // Parsed here: a value that is not a number is a 400 invalid-paging (JAX-RS would answer 404).
        int page = integer(pageText);
        int size = integer(sizeText);
        if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
            throw ApiException.badRequest("invalid-paging",
                    "page must be >= 0 and size between 1 and " + MAX_PAGE_SIZE + ".");
        }
        if ((long) page * size > Integer.MAX_VALUE) {
            // The offset would overflow the database's int: no such page can exist.
            throw ApiException.invalidField("page", "page × size must not exceed " + Integer.MAX_VALUE + ".");
        }
        return database.bounded(service.list(access.scope(), page, size)).map(OrganizationPageView::of);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Get an organization")
    @APIResponse(responseCode = "200", description = "The organization.", content = @Content(schema = @Schema(implementation =
            OrganizationView.class)))
    public Uni<OrganizationView> get(@PathParam("id") String id) {
        return database.bounded(service.get(authorized(id))).map(OrganizationView::of);
    }

    @PATCH
    @Path("/{id}")
    @Operation(summary = "Rename an organization")
    @APIResponse(responseCode = "200", description = "Renamed.", content = @Content(schema = @Schema(implementation =
            OrganizationView.class)))
    public Uni<OrganizationView> rename(@PathParam("id") String id, OrganizationRequest request) {
        UUID organizationId = authorized(id);
        return database.bounded(service.rename(organizationId, OrganizationRequest.validNameOf(request))).map(OrganizationView::of);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete an organization", description = "Admin tokens only. Its linked device is unlinked from"
            + " WhatsApp (in the background, retried) and everything stored for it is deleted.")
    @APIResponse(responseCode = "204", description = "Deleted.")
    public Uni<Response> delete(@PathParam("id") String id) {
        UUID organizationId = authorized(id);
        access.requireAdmin();
        return database.bounded(service.delete(organizationId)).map(ignored -> Response.noContent().build());
    }

    private static int integer(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid-paging", "page and size must be whole numbers.");
        }
    }

    private UUID authorized(String id) {
        UUID organizationId = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(organizationId);
        return organizationId;
    }
}
