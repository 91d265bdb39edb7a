package io.switchboard.web;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The operator console is static (META-INF/resources/console); {@code /console} without the
 * slash is sent to it, so the page's relative assets resolve.
 */
@ApplicationScoped
public class ConsoleRoute {

    void install(@Observes Router router) {
        router.routeWithRegex("^/console$").handler(context -> context.redirect("/console/"));
    }
}
