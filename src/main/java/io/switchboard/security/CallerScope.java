package io.switchboard.security;

import java.util.Set;
import java.util.UUID;

/**
 * Which organizations an authenticated caller may touch: every one (admin) or exactly the
 * listed ones.
 */
public record CallerScope(String subject, boolean admin, Set<UUID> organizations) {

    public CallerScope {
        organizations = Set.copyOf(organizations);
    }

    public static CallerScope admin(String subject) {
        return new CallerScope(subject, true, Set.of());
    }

    public static CallerScope member(String subject, Set<UUID> organizations) {
        return new CallerScope(subject, false, organizations);
    }

    public boolean mayTouch(UUID organizationId) {
        return admin || organizations.contains(organizationId);
    }
}
