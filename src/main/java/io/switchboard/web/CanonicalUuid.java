package io.switchboard.web;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Strict UUID parsing: only the canonical 8-4-4-4-12 hexadecimal form. {@link UUID#fromString}
 * alone also accepts forms such as {@code 1-1-1-1-1}.
 */
public final class CanonicalUuid {

    private static final Pattern CANONICAL =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private CanonicalUuid() {
    }

    public static Optional<UUID> parse(String text) {
        if (text == null || !CANONICAL.matcher(text).matches()) {
            return Optional.empty();
        }
        return Optional.of(UUID.fromString(text));
    }

    /** Parses a path parameter or answers 400 naming it. */
    public static UUID pathParameter(String name, String text) {
        return parse(text).orElseThrow(() -> ApiException.badRequest("invalid-path-parameter",
                "Path parameter '" + name + "' must be a UUID."));
    }
}
