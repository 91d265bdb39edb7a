package io.switchboard.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Counters of what sessions did on this replica; the gauges (sessions per state, stuck sessions,
 * clients) are registered by the supervisor, which sees the sessions.
 */
@ApplicationScoped
class SessionMetrics {

    private final MeterRegistry registry;
    private final Counter leaseLosses;
    private final Counter fencedWrites;
    private final Counter writeRetries;
    private final Counter resumedIdle;

    SessionMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.leaseLosses = Counter.builder("switchboard.whatsapp.lease.losses")
                .description("Connections this replica stopped because its claim was lost or could not be renewed in time")
                .register(registry);
        this.fencedWrites = Counter.builder("switchboard.whatsapp.fenced.writes")
                .description("Session writes refused because another replica claimed the connection since").register(registry);
        this.writeRetries = Counter.builder("switchboard.whatsapp.write.retries")
                .description("Session writes retried after a database error").register(registry);
        this.resumedIdle = Counter.builder("switchboard.whatsapp.resumed.idle")
                .description("Held sessions found in an active state with nothing running and resumed (a client closed under them)")
                .register(registry);
    }

    void transition(SessionEvent event) {
        registry.counter("switchboard.whatsapp.transitions", "event", event.name()).increment();
    }

    /** A command joined an identical one already waiting in the session's lane. */
    void commandCoalesced() {
        registry.counter("switchboard.whatsapp.commands.coalesced").increment();
    }

    /** A command's callers all gave up before its turn: dropped. */
    void commandAbandoned() {
        registry.counter("switchboard.whatsapp.commands.abandoned").increment();
    }

    void undelivered() {
        registry.counter("switchboard.whatsapp.messages.undelivered").increment();
    }

    void receipt(String type) {
        registry.counter("switchboard.whatsapp.receipts", "type", type).increment();
    }

    /** {@code asked}: we sent a retry receipt; {@code answered}: we sent a message again for one. */
    void retry(boolean asked) {
        registry.counter("switchboard.whatsapp.message.retries", "direction", asked ? "asked" : "answered").increment();
    }

    void outdatedRetry() {
        registry.counter("switchboard.whatsapp.web.version.retries").increment();
    }

    void leaseLost() {
        leaseLosses.increment();
    }

    void fencedWrite() {
        fencedWrites.increment();
    }

    void resumedIdle() {
        resumedIdle.increment();
    }

    void writeRetried() {
        writeRetries.increment();
    }

    MeterRegistry registry() {
        return registry;
    }
}
