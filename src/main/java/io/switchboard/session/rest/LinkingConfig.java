package io.switchboard.session.rest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * Budgets on linking, shared by every replica: each pairing code makes WhatsApp prompt the owner of
 * a phone number, from the gateway's shared address, and each linking starts a connection.
 */
@ConfigMapping(prefix = "switchboard.linking")
public interface LinkingConfig {

    /** The fixed window the budgets count in. */
    @WithDefault("10m")
    Duration window();

    /** Linkings (init-baileys and pairing codes) one organization may start per window. */
    @WithDefault("10")
    int perOrganization();

    /** Pairing codes one organization may ask for per window. */
    @WithDefault("5")
    int codesPerOrganization();

    /** Pairing codes one phone number may be sent per window, whichever organization asks. */
    @WithDefault("3")
    int codesPerPhone();
}
