package io.switchboard.session.rest;

import io.switchboard.web.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** Counts open streams per organization and per caller; one more than allowed is a 429. */
@ApplicationScoped
class StreamGate {

    private final StreamConfig config;
    private final Map<UUID, Integer> perOrganization = new ConcurrentHashMap<>();
    private final Map<String, Integer> perCaller = new ConcurrentHashMap<>();

    StreamGate(StreamConfig config) {
        this.config = config;
    }

    /** Takes a place for a new stream; the answer gives it back, once. */
    synchronized Runnable open(UUID organizationId, String caller) {
        if (perOrganization.getOrDefault(organizationId, 0) >= config.perOrganization()) {
            throw new ApiException(429, "too-many-streams", "At most " + config.perOrganization()
                    + " QR streams may be open for one organization; close one first.");
        }
        if (perCaller.getOrDefault(caller, 0) >= config.perCaller()) {
            throw new ApiException(429, "too-many-streams", "At most " + config.perCaller()
                    + " QR streams may be open for one caller; close one first.");
        }
        perOrganization.merge(organizationId, 1, Integer::sum);
        perCaller.merge(caller, 1, Integer::sum);
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                release(organizationId, caller);
            }
        };
    }

    private synchronized void release(UUID organizationId, String caller) {
        perOrganization.computeIfPresent(organizationId, (id, n) -> n <= 1 ? null : n - 1);
        perCaller.computeIfPresent(caller, (id, n) -> n <= 1 ? null : n - 1);
    }
}
