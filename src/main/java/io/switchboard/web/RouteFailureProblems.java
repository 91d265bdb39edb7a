package io.switchboard.web;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Bodies are refused with a 413 problem+json before anything reads them when they are announced
 * larger than their route accepts: {@code switchboard.http.max-body} (1 MB) everywhere, except the
 * messages endpoint, which takes a JSON file up to {@code switchboard.media.max-json-body} and a
 * multipart upload up to {@code quarkus.http.limits.max-body-size} (which Quarkus checks too, chunked
 * bodies included, right after this). A chunked body without a length is refused (411) where the
 * route's limit is below Quarkus' own, since nothing else would hold it to that limit.
 */
@ApplicationScoped
public class RouteFailureProblems {

    static final int BODY_TOO_LARGE = 413;
    static final int LENGTH_REQUIRED = 411;
    /** Before Quarkus' body-size route (order -2). */
    static final int ORDER = -3;
    private static final java.util.regex.Pattern MESSAGES = java.util.regex.Pattern.compile(
            "/api/v1/organizations/[^/]+/whatsapp/messages/?|/sandbox/v1/accounts/[^/]+/messages/?");

    private final Optional<MemorySize> limit;
    private final long defaultLimit;
    private final long jsonMediaLimit;

    RouteFailureProblems(@ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> limit,
            @ConfigProperty(name = "switchboard.http.max-body", defaultValue = "1M") MemorySize defaultLimit,
            @ConfigProperty(name = "switchboard.media.max-json-body", defaultValue = "24M") MemorySize jsonMediaLimit) {
        this.limit = limit;
        this.defaultLimit = defaultLimit.asLongValue();
        this.jsonMediaLimit = jsonMediaLimit.asLongValue();
    }

    void install(@Observes Router router) {
        long global = limit.map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
        router.route().order(ORDER).handler(context -> {
            long max = Math.min(global, limitFor(context.request().method().name(), context.request().path(),
                    context.request().getHeader("Content-Type"), global));
            String length = context.request().getHeader("Content-Length");
            if (length != null && exceeds(length, max)) {
                refuse(context, BODY_TOO_LARGE, Problem.of(BODY_TOO_LARGE, "body-too-large", "The request body is larger than"
                        + " the " + max + " bytes this operation accepts."));
                return;
            }
            String chunked = context.request().getHeader("Transfer-Encoding");
            if (length == null && chunked != null && chunked.toLowerCase(java.util.Locale.ROOT).contains("chunked") && max < global) {
                refuse(context, LENGTH_REQUIRED, Problem.of(LENGTH_REQUIRED, "length-required", "Send the body with a"
                        + " Content-Length (at most " + max + " bytes), not chunked."));
                return;
            }
            context.next();
        });
    }

    private long limitFor(String method, String path, String contentType, long global) {
        if ("POST".equals(method) && MESSAGES.matcher(path).matches()) {
            boolean multipart = contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data");
            return multipart ? global : jsonMediaLimit;
        }
        return defaultLimit;
    }

    private static void refuse(io.vertx.ext.web.RoutingContext context, int status, Problem problem) {
        context.response().setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE)
                .putHeader("Connection", "close").end(Json.encode(problem));
    }

    private static boolean exceeds(String length, long max) {
        try {
            return Long.parseLong(length.trim()) > max;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
