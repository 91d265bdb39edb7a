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
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/api/v1/organizations")
@Authenticated
@SecurityRequirement(name = "SecurityScheme")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
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
    public Uni<RestResponse<OrganizationView>> create(OrganizationRequest request, UriInfo uri) {
        access.requireAdmin();
        return database.bounded(service.create(OrganizationRequest.validNameOf(request)))
                .map(created -> RestResponse.ResponseBuilder
                        .<OrganizationView>created(uri.getAbsolutePathBuilder().path(created.getId().toString()).build())
                        .entity(OrganizationView.of(created))
                        .build());
    }

    @GET
    public Uni<OrganizationPageView> list(@QueryParam("page") @DefaultValue("0") int page,
            @QueryParam("size") @DefaultValue("50") int size) {
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
    public Uni<OrganizationView> get(@PathParam("id") String id) {
        return database.bounded(service.get(authorized(id))).map(OrganizationView::of);
    }

    @PATCH
    @Path("/{id}")
    public Uni<OrganizationView> rename(@PathParam("id") String id, OrganizationRequest request) {
        UUID organizationId = authorized(id);
        return database.bounded(service.rename(organizationId, OrganizationRequest.validNameOf(request))).map(OrganizationView::of);
    }

    @DELETE
    @Path("/{id}")
    public Uni<Response> delete(@PathParam("id") String id) {
        UUID organizationId = authorized(id);
        access.requireAdmin();
        return database.bounded(service.delete(organizationId)).map(ignored -> Response.noContent().build());
    }

    private UUID authorized(String id) {
        UUID organizationId = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(organizationId);
        return organizationId;
    }
}
