package io.switchboard.web;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.switchboard.db.Database;
import io.switchboard.db.DatabaseUnavailable;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where exceptions become HTTP answers: always {@code application/problem+json},
 * never a class name or a stack trace.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    /** How long a client waits before retrying after a 503 for an unavailable database. */
    private static final int RETRY_AFTER_SECONDS = 2;

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response problem = Problem.of(e.status(), e.reason(), e.getMessage(), e.fields()).toResponse();
        return e.retryAfterSeconds() == null ? problem
                : Response.fromResponse(problem).header("Retry-After", e.retryAfterSeconds()).build();
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class, AuthenticationCompletionException.class})
    public Response unauthorized(RuntimeException e) {
        return Response.fromResponse(Problem.of(401, "unauthorized",
                        "A valid bearer token is required.").toResponse())
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Problem.of(403, "forbidden", "Your token does not allow this operation.").toResponse();
    }

    // Listed one by one: quarkus-rest-jackson maps some of these subclasses itself, and the
    // most specific mapper wins.
    @ServerExceptionMapper({
        JsonProcessingException.class, JsonParseException.class, JsonMappingException.class,
        MismatchedInputException.class, InvalidFormatException.class, UnrecognizedPropertyException.class
    })
    public Response json(JsonProcessingException e) {
        return jsonProblem(e);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonProcessingException) {
                return jsonProblem((JsonProcessingException) cause);
            }
        }
        int status = e.getResponse() != null ? e.getResponse().getStatus() : 500;
        if (status >= 500) {
            LOG.error("Request failed", e);
            return Problem.of(status, "server-error", "The server could not complete the request.").toResponse();
        }
        return Problem.of(status, reasonOf(status), detailOf(status)).toResponse();
    }

    /** PostgreSQL hangs or is unreachable: every endpoint answers the same 503, with when to try again. */
    @ServerExceptionMapper
    public Response databaseUnavailable(DatabaseUnavailable e) {
        LOG.warnf("answered 503: %s", e.getMessage());
        return Response.fromResponse(Problem.of(503, "database-unavailable",
                "The database did not answer in time; retry shortly.").toResponse()).header("Retry-After", RETRY_AFTER_SECONDS).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (Database.isOutage(e)) {
            return databaseUnavailable(new DatabaseUnavailable(e.getMessage(), e));
        }
        LOG.error("Unexpected failure while handling a request", e);
        return Problem.of(500, "server-error", "The server could not complete the request.").toResponse();
    }

    private static Response jsonProblem(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException) {
            String field = ((UnrecognizedPropertyException) e).getPropertyName();
            return Problem.of(400, "invalid-body", "Unknown field '" + field + "'.", List.of(field)).toResponse();
        }
        if (e instanceof JsonMappingException && !((JsonMappingException) e).getPath().isEmpty()) {
            String field = pathOf((JsonMappingException) e);
            return Problem.of(400, "invalid-body", "Field '" + field + "' has the wrong type or value.",
                    List.of(field)).toResponse();
        }
        return Problem.of(400, "malformed-json", "The request body is not valid JSON.").toResponse();
    }

    private static String pathOf(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String reasonOf(int status) {
        switch (status) {
            case 404: return "not-found";
            case 405: return "method-not-allowed";
            case 406: return "not-acceptable";
            case 415: return "unsupported-media-type";
            default: return "bad-request";
        }
    }

    private static String detailOf(int status) {
        switch (status) {
            case 404: return "No resource exists at this path.";
            case 405: return "This method is not allowed on this path.";
            case 406: return "The requested media type cannot be produced.";
            case 415: return "The request body's media type is not supported; send application/json.";
            default: return "The request could not be understood.";
        }
    }
}
