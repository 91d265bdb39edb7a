package io.switchboard.session;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.organization.OrganizationDeleted;
import io.switchboard.protocol.client.ClientOptions;
import io.switchboard.sandbox.admin.SandboxMount;
import io.switchboard.session.store.SessionStore;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Owns every organization's session on this replica, at most one client each. Resumes linked
 * organizations at start-up (staggered, bounded concurrency), closes sockets at shutdown without
 * logging out, and claims each connection in the database so replicas never run the same one.
 */
@ApplicationScoped
public class SessionSupervisor {

    private static final Logger LOG = Logger.getLogger(SessionSupervisor.class);

    private final Map<UUID, OrgSession> sessions = new ConcurrentHashMap<>();
    private final SessionStore store;
    private final SessionConfig config;
    private final SandboxMount sandbox;
    private final Vertx vertx;
    private final Clock clock = Clock.systemUTC();
    private final String replicaId = "replica-" + UUID.randomUUID().toString().substring(0, 8);
    private final ReconnectPolicy reconnectPolicy;
    private volatile ClientOptions clientOptions;
    private long leaseTimer = -1;

    SessionSupervisor(SessionStore store, SessionConfig config, SandboxMount sandbox, Vertx vertx, MeterRegistry metrics) {
        this.store = store;
        this.config = config;
        this.sandbox = sandbox;
        this.vertx = vertx;
        this.reconnectPolicy = new ReconnectPolicy(config.reconnectBase(), config.reconnectCap());
        Gauge.builder("switchboard.whatsapp.clients", this, SessionSupervisor::liveClients)
                .description("WhatsApp clients running on this replica").register(metrics);
    }

    public Uni<SessionSnapshot> snapshot(UUID organizationId) {
        return session(organizationId).snapshot();
    }

    public Uni<SessionSnapshot> link(UUID organizationId) {
        return session(organizationId).link("linking requested");
    }

    public Uni<SessionSnapshot> login(UUID organizationId) {
        return session(organizationId).login("reconnect requested");
    }

    public Uni<SessionSnapshot> disconnect(UUID organizationId) {
        return session(organizationId).disconnect();
    }

    public Uni<SessionSnapshot> awaitQr(UUID organizationId, Duration wait) {
        return session(organizationId).awaitQr(wait);
    }

    public Multi<SessionNotice> notices(UUID organizationId) {
        return session(organizationId).notices();
    }

    /** Whether this replica runs a client for the organization. */
    public boolean runsClient(UUID organizationId) {
        OrgSession session = sessions.get(organizationId);
        return session != null && session.hasClient();
    }

    /** How many organizations have a live client on this replica (for tests and metrics). */
    public long liveClients() {
        return sessions.values().stream().filter(OrgSession::hasClient).count();
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    void onStart(@Observes StartupEvent event) {
        leaseTimer = vertx.setPeriodic(Math.max(1000, config.ownershipLease().toMillis() / 3), t -> {
            renewLeases();
            adoptOrphans();
        });
        resumeAll().subscribe().with(count -> LOG.infof("resumed %d WhatsApp sessions", count),
                error -> LOG.error("resuming sessions failed", error));
    }

    void onStop(@Observes ShutdownEvent event) {
        if (leaseTimer >= 0) {
            vertx.cancelTimer(leaseTimer);
        }
        shutdownAll().await().atMost(Duration.ofSeconds(10));
    }

    /** Logs every linked organization back in, a few at a time. */
    public Uni<Integer> resumeAll() {
        return store.withCredentials().flatMap(ids -> Multi.createFrom().iterable(ids)
                .onItem().call(id -> Uni.createFrom().voidItem().onItem().delayIt().by(config.resumeStagger()))
                .onItem().transformToUni(id -> session(id).login("resumed at start-up")
                        .onFailure().invoke(error -> LOG.warnf("cannot resume %s: %s", id, error.getMessage()))
                        .onFailure().recoverWithNull())
                .merge(Math.max(1, config.resumeConcurrency()))
                .collect().asList()
                .map(List::size));
    }

    /** Closes every client without logging out; stored state stays for the next start. */
    public Uni<Void> shutdownAll() {
        List<Uni<Void>> closing = sessions.values().stream().map(OrgSession::shutdown).toList();
        sessions.clear();
        return closing.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(closing).andCollectFailures().replaceWithVoid().onFailure().recoverWithNull();
    }

    void onOrganizationDeleted(@Observes OrganizationDeleted deleted) {
        OrgSession session = sessions.remove(deleted.organizationId());
        if (session != null) {
            session.forget().subscribe().with(ok -> LOG.infof("organization %s deleted: WhatsApp device unlinked",
                    deleted.organizationId()), error -> LOG.warnf("unlinking deleted organization %s failed: %s",
                    deleted.organizationId(), error.getMessage()));
        }
    }

    /** Takes over connections no replica holds any more (their owner died or shut down). */
    void adoptOrphans() {
        store.orphans().subscribe().with(ids -> ids.stream()
                .filter(id -> !sessions.containsKey(id) || !sessions.get(id).isBusy())
                .forEach(id -> session(id).login("adopted: no replica held the connection").subscribe().with(
                        adopted -> LOG.infof("adopted the WhatsApp connection of %s", id),
                        error -> LOG.debugf("cannot adopt %s: %s", id, error.getMessage()))),
                error -> LOG.debugf("orphan scan failed: %s", error.getMessage()));
    }

    private void renewLeases() {
        sessions.values().stream().filter(OrgSession::isBusy).forEach(session ->
                claim(session.id).subscribe().with(owned -> {
                    if (!owned) {
                        LOG.warnf("lost ownership of %s to another replica", session.id);
                    }
                }, error -> LOG.debugf("lease renewal of %s failed: %s", session.id, error.getMessage())));
    }

    // ---- used by sessions ------------------------------------------------------------------------

    private OrgSession session(UUID organizationId) {
        return sessions.computeIfAbsent(organizationId, id -> new OrgSession(id, this));
    }

    Uni<Boolean> claim(UUID organizationId) {
        return store.claim(organizationId, replicaId, config.ownershipLease());
    }

    Uni<Void> release(UUID organizationId) {
        return store.release(organizationId, replicaId);
    }

    SessionStore store() {
        return store;
    }

    Vertx vertx() {
        return vertx;
    }

    Instant now() {
        return clock.instant();
    }

    ReconnectPolicy reconnectPolicy() {
        return reconnectPolicy;
    }

    ClientOptions clientOptions() {
        ClientOptions options = clientOptions;
        if (options == null) {
            options = buildClientOptions();
            clientOptions = options;
        }
        return options;
    }

    private ClientOptions buildClientOptions() {
        String[] parts = config.webVersion().split("\\.");
        int[] version = {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
        ClientOptions defaults = ClientOptions.whatsApp(version);
        byte[] trustRoot = config.trustRoot().map(root -> "sandbox".equals(root)
                ? sandbox.server().orElseThrow(() -> new IllegalStateException(
                        "switchboard.whatsapp.trust-root=sandbox but the sandbox is disabled")).trustRoot()
                : Base64.getDecoder().decode(root)).orElse(defaults.trustRoot());
        return defaults.withEndpoint(URI.create(config.url()), trustRoot)
                .withTimings(config.keepAliveInterval(), config.deadConnectionTimeout(),
                        defaults.firstQrLifetime(), defaults.laterQrLifetime());
    }
}
