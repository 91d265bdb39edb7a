package io.switchboard.messaging;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How texts are sent: pacing per organization (WhatsApp bans numbers that burst), queue bound, give-up time. */
@ConfigMapping(prefix = "switchboard.messages")
public interface MessagesConfig {

    /** Texts per second one organization sends at most, on average. */
    @WithDefault("1")
    double sendRate();

    /** Texts one organization may send back to back before the rate applies. */
    @WithDefault("5")
    int sendBurst();

    /** Texts one organization may have waiting; beyond it the API answers 429. */
    @WithDefault("1000")
    int queueLimit();

    /** A text still waiting this long while its organization is not connected fails with {@code not-linked}. */
    @WithDefault("1h")
    Duration notLinkedAfter();

    /** A number check's answer is reused this long before WhatsApp is asked again. */
    @WithDefault("24h")
    Duration contactCheckCache();

    /** One organization asks WhatsApp to check numbers at most once per this (WhatsApp rate-limits the query). */
    @WithDefault("1s")
    Duration contactCheckSpacing();

    /** How long a group's metadata read from WhatsApp is served before WhatsApp is asked again (it rate-limits the query). */
    @WithDefault("60s")
    Duration groupMetadataInterval();

    /** Received texts, and events no webhook delivery waits for, are deleted this long after they arrived. */
    @WithDefault("30d")
    Duration retention();

    /** How often each replica looks for texts to fail as not-linked and received texts past retention. */
    @WithDefault("1m")
    Duration sweepInterval();
}
