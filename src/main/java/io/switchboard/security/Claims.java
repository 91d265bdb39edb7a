package io.switchboard.security;

/** The token claims and group names Switchboard reads. */
public final class Claims {

    /** JSON array of organization ids a non-admin token may touch. */
    public static final String ORGANIZATIONS = "orgs";

    private Claims() {
    }
}
