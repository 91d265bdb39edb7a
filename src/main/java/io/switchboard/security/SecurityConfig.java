package io.switchboard.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code switchboard.security.*}: how tokens map to rights. */
@ConfigMapping(prefix = "switchboard.security")
public interface SecurityConfig {

    /**
     * The member of the token's {@code groups} claim that makes a caller an administrator of every
     * organization. Choose one your identity provider gives to no other application.
     */
    @WithDefault("admin")
    String adminGroup();
}
