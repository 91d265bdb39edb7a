package io.switchboard.web;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which statuses the OpenAPI document gives each operation, to judge answers the tests get
 * without REST Assured (the property tests' raw HTTP client). An answer is documented when its
 * operation lists its status; a path the document does not have answers 404, a method it does not
 * have on a known path 405; 414 is the HTTP codec's answer to an over-long request line, before
 * any route.
 */
final class DocumentedStatuses {

    private record Operation(String method, Pattern path, Set<String> statuses) {
    }

    private final List<Operation> operations = new ArrayList<>();

    static DocumentedStatuses read(String document) {
        DocumentedStatuses documented = new DocumentedStatuses();
        JsonObject paths = new JsonObject(document).getJsonObject("paths");
        for (String path : paths.fieldNames()) {
            Pattern pattern = Pattern.compile(path.replaceAll("\\{[^}]+}", "[^/]+"));
            JsonObject item = paths.getJsonObject(path);
            for (String method : item.fieldNames()) {
                JsonObject responses = item.getJsonObject(method).getJsonObject("responses");
                if (responses != null) {
                    documented.operations.add(new Operation(method.toUpperCase(Locale.ROOT), pattern, responses.fieldNames()));
                }
            }
        }
        return documented;
    }

    /** Null when the answer is documented; otherwise why not. */
    String check(String method, String path, int status) {
        if (status == 414) {
            return null;
        }
        // A path with an empty segment names no resource: 404, or 405 when the router matched a template, or 413 from
        // the body limit, which answers before routing.
        if (path.contains("//") && (status == 404 || status == 405 || status == 413)) {
            return null;
        }
        // JAX-RS matches a path with a trailing slash as the path without it.
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        boolean pathKnown = false;
        for (Operation operation : operations) {
            if (operation.path().matcher(path).matches()) {
                pathKnown = true;
                if (operation.method().equals(method.toUpperCase(Locale.ROOT))) {
                    return operation.statuses().contains(String.valueOf(status)) ? null
                            : status + " is not among " + operation.statuses() + " of " + method + " " + operation.path();
                }
            }
        }
        if (!pathKnown) {
            return status == 404 || !(path.startsWith("/api/") || path.startsWith("/sandbox/")) ? null
                    : "no such path in the document, yet " + status;
        }
        return status == 405 ? null : "no such method on the path, yet " + status;
    }
}
