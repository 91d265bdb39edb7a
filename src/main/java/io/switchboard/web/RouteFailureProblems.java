package io.switchboard.web;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A body announced larger than {@code quarkus.http.limits.max-body-size} is refused with a 413
 * problem+json before anything reads it (Quarkus' own check, which also covers chunked bodies,
 * answers in plain text and runs just after this one).
 */
@ApplicationScoped
public class RouteFailureProblems {

    static final int BODY_TOO_LARGE = 413;
    /** Before Quarkus' body-size route (order -2). */
    static final int ORDER = -3;

    private final Optional<MemorySize> limit;

    RouteFailureProblems(@ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> limit) {
        this.limit = limit;
    }

    void install(@Observes Router router) {
        if (limit.isEmpty()) {
            return;
        }
        long max = limit.get().asLongValue();
        router.route().order(ORDER).handler(context -> {
            String length = context.request().getHeader("Content-Length");
            if (length != null && exceeds(length, max)) {
                Problem problem = Problem.of(BODY_TOO_LARGE, "body-too-large", "The request body is larger than the "
                        + max + " bytes this service accepts.");
                context.response().setStatusCode(BODY_TOO_LARGE).putHeader("Content-Type", Problem.MEDIA_TYPE)
                        .putHeader("Connection", "close").end(Json.encode(problem));
                return;
            }
            context.next();
        });
    }

    private static boolean exceeds(String length, long max) {
        try {
            return Long.parseLong(length.trim()) > max;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
