package io.switchboard.security;

import io.quarkus.arc.properties.IfBuildProperty;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.switchboard.web.ApiException;
import io.switchboard.web.CanonicalUuid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Mints tokens signed with the development key so a newcomer can call the API at once. Only
 * built into dev and test builds ({@code switchboard.dev-token.enabled} is a build-time switch).
 */
@Path("/dev/token")
@IfBuildProperty(name = "switchboard.dev-token.enabled", stringValue = "true")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Development")
public class DevTokenResource {

    static final Duration LIFETIME = Duration.ofHours(12);

    public record DevTokenRequest(String subject, Boolean admin, List<String> orgs) {
    }

    public record DevToken(String token, long expiresIn) {
    }

    private final String issuer;
    private final SecurityConfig security;
    private final Optional<Set<String>> audiences;

    DevTokenResource(@ConfigProperty(name = "mp.jwt.verify.issuer") String issuer, SecurityConfig security,
            @ConfigProperty(name = "mp.jwt.verify.audiences") Optional<Set<String>> audiences) {
        this.issuer = issuer;
        this.security = security;
        this.audiences = audiences;
    }

    @POST
    @Operation(summary = "Mint a development token", description = "Signed with the development key: admin (default) or"
            + " a member of the organizations in orgs; valid 12 hours. Dev and test builds only.")
    @APIResponse(responseCode = "200", description = "The token.", content = @Content(schema = @Schema(implementation =
            DevToken.class)))
    public DevToken mint(DevTokenRequest request) {
        DevTokenRequest body = request != null ? request : new DevTokenRequest(null, true, List.of());
        List<String> orgs = body.orgs() != null ? body.orgs() : List.of();
        for (String org : orgs) {
            if (CanonicalUuid.parse(org).isEmpty()) {
                throw ApiException.badRequest("invalid-body", "orgs must hold organization UUIDs: " + org);
            }
        }
        boolean admin = body.admin() == null || body.admin();
        JwtClaimsBuilder claims = Jwt.issuer(issuer)
                .subject(body.subject() != null ? body.subject() : "dev-user")
                .groups(admin ? Set.of(security.adminGroup()) : Set.of("member"))
                .claim(Claims.ORGANIZATIONS, orgs)
                .expiresIn(LIFETIME);
        audiences.ifPresent(claims::audience);
        String token = claims.sign();
        return new DevToken(token, LIFETIME.toSeconds());
    }
}
