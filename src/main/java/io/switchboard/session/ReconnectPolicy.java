package io.switchboard.session;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter for lost connections: attempt n waits between half and all of
 * min(cap, base · 2ⁿ). With the default base of 800 ms the first retry comes within a second.
 */
public record ReconnectPolicy(Duration base, Duration cap) {

    public Duration delay(int attempt) {
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(attempt, 20));
        long half = ceiling / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    public ReconnectPolicy withBounds(Duration newBase, Duration newCap) {
        return new ReconnectPolicy(newBase, newCap);
    }
}
