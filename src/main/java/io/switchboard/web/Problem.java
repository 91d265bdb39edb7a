package io.switchboard.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.Response.Status;
import java.util.List;

/**
 * RFC 9457 problem details. {@code success} and {@code message} are kept for dashboards written
 * against the service we replace; {@code reason} is the stable machine-readable cause.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String reason,
        List<String> fields, boolean success, String message) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://switchboard.dev/problems/";

    public static Problem of(int status, String reason, String detail) {
        return of(status, reason, detail, null);
    }

    public static Problem of(int status, String reason, String detail, List<String> fields) {
        Status known = Status.fromStatusCode(status);
        String title = known != null ? known.getReasonPhrase() : "HTTP " + status;
        return new Problem(TYPE_BASE + reason, title, status, detail, reason, fields, false, detail);
    }

    public Response toResponse() {
        return Response.status(status).type(MediaType.valueOf(MEDIA_TYPE)).entity(this).build();
    }
}
