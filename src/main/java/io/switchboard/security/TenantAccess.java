package io.switchboard.security;

import io.switchboard.web.ApiException;
import jakarta.enterprise.context.RequestScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Turns the verified JWT of the current request into a {@link CallerScope} and enforces it.
 * A member asking for an organization outside its scope always gets the same 403, whether that
 * organization exists or not, so ids cannot be probed.
 */
@RequestScoped
public class TenantAccess {

    private final JsonWebToken token;
    private final SecurityConfig config;
    private CallerScope scope;

    TenantAccess(JsonWebToken token, SecurityConfig config) {
        this.token = token;
        this.config = config;
    }

    public CallerScope scope() {
        if (scope == null) {
            scope = scopeOf(token, config.adminGroup());
        }
        return scope;
    }

    /** When the caller's token expires (epoch seconds), 0 when it carries no expiry. */
    public long expiresAt() {
        return token.getExpirationTime();
    }

    public void requireAdmin() {
        if (!scope().admin()) {
            throw ApiException.forbidden("admin-required", "This operation requires the admin group.");
        }
    }

    public void requireOrganization(UUID organizationId) {
        if (!scope().mayTouch(organizationId)) {
            throw ApiException.forbidden("organization-forbidden",
                    "Your token does not grant access to organization " + organizationId + ".");
        }
    }

    static CallerScope scopeOf(JsonWebToken token, String adminGroup) {
        String subject = token.getSubject() != null ? token.getSubject() : token.getName();
        if (token.getGroups() != null && token.getGroups().contains(adminGroup)) {
            return CallerScope.admin(subject);
        }
        return CallerScope.member(subject, organizationsOf(token.getClaim(Claims.ORGANIZATIONS)));
    }

    /** Reads the {@code orgs} claim; anything that is not a UUID string grants nothing. */
    static Set<UUID> organizationsOf(Object claim) {
        Set<UUID> ids = new HashSet<>();
        if (claim instanceof JsonArray) {
            for (JsonValue value : (JsonArray) claim) {
                if (value instanceof JsonString) {
                    parse(((JsonString) value).getString(), ids);
                }
            }
        } else if (claim instanceof Iterable<?>) {
            for (Object value : (Iterable<?>) claim) {
                if (value instanceof String) {
                    parse((String) value, ids);
                }
            }
        }
        return ids;
    }

    private static void parse(String text, Set<UUID> into) {
        try {
            into.add(UUID.fromString(text));
        } catch (IllegalArgumentException ignored) {
            // a malformed entry grants nothing
        }
    }
}
