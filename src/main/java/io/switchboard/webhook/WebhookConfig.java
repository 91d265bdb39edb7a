package io.switchboard.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Webhook delivery: timeouts, retry schedule, secret rotation overlap, which targets are allowed. */
@ConfigMapping(prefix = "switchboard.webhooks")
public interface WebhookConfig {

    /**
     * Hard deadline of one delivery attempt, from resolving the target to the last byte of the
     * answer read: a receiver that trickles its answer is cut off at it.
     */
    @WithDefault("10s")
    Duration timeout();

    /** The first retry waits about this long; each next one twice as long (with jitter), up to {@link #maxRetryInterval()}. */
    @WithDefault("5s")
    Duration firstRetry();

    @WithDefault("1h")
    Duration maxRetryInterval();

    /** A delivery still failing this long after its event is {@code dead}. */
    @WithDefault("24h")
    Duration giveUpAfter();

    /** After a secret rotation, deliveries are also signed with the previous secret for this long. */
    @WithDefault("24h")
    Duration secretOverlap();

    /** Targets resolving to loopback, private, link-local or other internal addresses are refused unless this is set. */
    @WithDefault("false")
    boolean allowPrivateTargets();

    /** Deliveries one replica sends at once. */
    @WithDefault("16")
    int concurrency();

    /** Deliveries of one organization one replica sends at once: slow receivers of one tenant leave the rest to others. */
    @WithDefault("4")
    int perOrganization();

    /** Deliveries to one endpoint one replica sends at once. */
    @WithDefault("2")
    int perEndpoint();
}
