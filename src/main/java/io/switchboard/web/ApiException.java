package io.switchboard.web;

import jakarta.ws.rs.core.Response.Status;
import java.util.List;

/**
 * An error meant for the client: carries the HTTP status, a stable machine-readable reason and a
 * human-readable detail. Rendered as {@code application/problem+json} by {@link ProblemMappers}.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String reason;
    private final List<String> fields;
    private final Integer retryAfterSeconds;

    public ApiException(int status, String reason, String detail) {
        this(status, reason, detail, null);
    }

    public ApiException(int status, String reason, String detail, List<String> fields) {
        this(status, reason, detail, fields, null);
    }

    /** With {@code retryAfterSeconds}, the answer carries {@code Retry-After} (429, 503). */
    public ApiException(int status, String reason, String detail, List<String> fields, Integer retryAfterSeconds) {
        super(detail);
        this.status = status;
        this.reason = reason;
        this.fields = fields == null ? null : List.copyOf(fields);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds the client should wait before trying again, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** A request body field is missing or has an unacceptable value. */
    public static ApiException invalidField(String field, String problem) {
        return new ApiException(Status.BAD_REQUEST.getStatusCode(), "invalid-body",
                "Field '" + field + "' " + problem + ".", List.of(field));
    }

    public static ApiException badRequest(String reason, String detail) {
        return new ApiException(Status.BAD_REQUEST.getStatusCode(), reason, detail);
    }

    public static ApiException forbidden(String reason, String detail) {
        return new ApiException(Status.FORBIDDEN.getStatusCode(), reason, detail);
    }

    public static ApiException notFound(String reason, String detail) {
        return new ApiException(Status.NOT_FOUND.getStatusCode(), reason, detail);
    }

    public static ApiException conflict(String reason, String detail) {
        return new ApiException(Status.CONFLICT.getStatusCode(), reason, detail);
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    /** The request fields at fault, or null when the error is not about fields. */
    public List<String> fields() {
        return fields;
    }
}
