package io.switchboard.sandbox.admin;

import io.switchboard.web.Problem;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** With the sandbox disabled nothing of it answers: its paths are plain 404s, even before authentication. */
public class SandboxDisabledFilter {

    private final SandboxMount mount;

    SandboxDisabledFilter(SandboxMount mount) {
        this.mount = mount;
    }

    @ServerRequestFilter(preMatching = true)
    public Response hideWhenDisabled(ContainerRequestContext request) {
        if (mount.server().isEmpty() && request.getUriInfo().getPath().startsWith("/sandbox/")) {
            return Problem.of(404, "not-found", "No resource exists at this path.").toResponse();
        }
        return null;
    }
}
