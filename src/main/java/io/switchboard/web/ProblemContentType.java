package io.switchboard.web;

import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Keeps {@code application/problem+json} on every problem body. For failures raised while the
 * request body is read, Quarkus REST otherwise answers with the endpoint's {@code @Produces} type.
 */
public class ProblemContentType {

    @ServerResponseFilter
    public void keepProblemMediaType(ContainerResponseContext response) {
        if (response.getEntity() instanceof Problem) {
            response.getHeaders().putSingle(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        }
    }
}
