package io.switchboard.session;

import io.switchboard.messaging.MessagesConfig;
import io.micrometer.core.instrument.Gauge;
import io.switchboard.session.store.LeaseStore;
import io.switchboard.session.store.MessageStore;
import io.switchboard.session.store.SessionStore;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** The sessions this replica knows, one per organization, and the gauges that read them. */
@ApplicationScoped
class SessionRegistry {

    private final Map<UUID, OrgSession> sessions = new ConcurrentHashMap<>();
    private final SessionContext context;

    SessionRegistry(ReplicaIdentity replica, SessionStore store, LeaseStore leases, Vertx vertx, SessionConfig config,
            ClientOptionsFactory options, WebVersions versions, MessageStore messages, SessionMetrics metrics,
            io.switchboard.messaging.OutboxStore outbox, MessagesConfig messaging,
            io.switchboard.events.EventStore events, io.switchboard.messaging.MediaSender media,
            io.switchboard.session.store.ContactStore contacts, io.switchboard.session.store.GroupStore groups) {
        this.context = new SessionContext(replica.id(), store, leases, vertx, Clock.systemUTC(), config,
                new ReconnectPolicy(config.reconnectBase(), config.reconnectCap()), options, versions, messages, metrics,
                outbox, messaging, events, media, contacts, groups);
        Gauge.builder("switchboard.whatsapp.clients", this, SessionRegistry::liveClients)
                .description("WhatsApp clients running on this replica").register(metrics.registry());
        Gauge.builder("switchboard.whatsapp.stuck", this, SessionRegistry::stuck)
                .description("Sessions held here in an active state with no client, no timer and no task: must read 0")
                .register(metrics.registry());
        for (SessionState state : SessionState.values()) {
            Gauge.builder("switchboard.whatsapp.sessions", this, r -> r.held(state))
                    .tag("state", state.name()).description("Connections this replica holds, by state")
                    .register(metrics.registry());
        }
    }

    OrgSession session(UUID organizationId) {
        return sessions.computeIfAbsent(organizationId, id -> new OrgSession(id, context));
    }

    Optional<OrgSession> find(UUID organizationId) {
        return Optional.ofNullable(sessions.get(organizationId));
    }

    Collection<OrgSession> all() {
        return sessions.values();
    }

    SessionContext context() {
        return context;
    }

    long liveClients() {
        return sessions.values().stream().filter(OrgSession::hasClient).count();
    }

    long stuck() {
        return sessions.values().stream().filter(OrgSession::stuck).count();
    }

    long held(SessionState state) {
        return sessions.values().stream().filter(s -> s.heldState().filter(state::equals).isPresent()).count();
    }
}
