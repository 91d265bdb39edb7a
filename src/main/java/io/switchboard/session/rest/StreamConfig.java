package io.switchboard.session.rest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code switchboard.streams.*}: bounds on Server-Sent Event streams (per replica). */
@ConfigMapping(prefix = "switchboard.streams")
public interface StreamConfig {

    /** Streams open at once for one organization. */
    @WithDefault("10")
    int perOrganization();

    /** Streams open at once for one caller (token subject). */
    @WithDefault("5")
    int perCaller();

    /** Interval of the comment line that keeps proxies from cutting an idle stream. */
    @WithDefault("15s")
    Duration heartbeat();
}
