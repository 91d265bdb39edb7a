package io.switchboard.session;

import io.switchboard.messaging.MessagesConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.organization.OrganizationDeleted;
import io.switchboard.session.store.CommandStore;
import io.switchboard.session.store.LeaseStore;
import io.switchboard.session.store.RemovalStore;
import io.switchboard.session.store.SessionRecord;
import io.switchboard.session.store.SessionStore;
import io.switchboard.session.store.StoredSession;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * The sessions of this replica as the rest of the service sees them. Any replica answers any
 * request: state and QR are read from PostgreSQL; a command runs here when this replica can
 * claim the connection, otherwise it is handed to the replica that holds it. Also wires the
 * periodic work: lease renewal, the claim watchdog, adoption, device removals, missed commands.
 */
@ApplicationScoped
public class SessionSupervisor {

    private static final Logger LOG = Logger.getLogger(SessionSupervisor.class);
    private static final long WATCHDOG_MILLIS = 250;
    private static final long CHORES_MILLIS = 2000;
    /** Old commands are pruned about once a minute. */
    private static final int PRUNE_EVERY_CHORES = 30;
    private static final Duration RELAY_ATTEMPT = Duration.ofSeconds(4);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

    private final SessionRegistry registry;
    private final SessionStore store;
    private final LeaseStore leases;
    private final CommandStore commands;
    private final RemovalStore removals;
    private final SessionBus bus;
    private final CommandRelay relay;
    private final LeaseKeeper keeper;
    private final Adoption adoption;
    private final DeviceUnlinker unlinker;
    private final SessionNotices notices;
    private final ClientOptionsFactory clientOptions;
    private final SessionConfig config;
    private final Vertx vertx;
    private final List<Long> timers = new ArrayList<>();
    private long choreRuns;

    private final io.switchboard.events.EventNotices eventNotices;

    SessionSupervisor(SessionRegistry registry, SessionStore store, LeaseStore leases, CommandStore commands,
            RemovalStore removals, SessionBus bus, CommandRelay relay, LeaseKeeper keeper, Adoption adoption,
            DeviceUnlinker unlinker, SessionNotices notices, ClientOptionsFactory clientOptions, SessionConfig config,
            Vertx vertx, io.switchboard.events.EventNotices eventNotices) {
        this.eventNotices = eventNotices;
        this.registry = registry;
        this.store = store;
        this.leases = leases;
        this.commands = commands;
        this.removals = removals;
        this.bus = bus;
        this.relay = relay;
        this.keeper = keeper;
        this.adoption = adoption;
        this.unlinker = unlinker;
        this.notices = notices;
        this.clientOptions = clientOptions;
        this.config = config;
        this.vertx = vertx;
    }

    // ---- what REST calls ---------------------------------------------------------------------------

    /** The session as stored, whichever replica runs it. */
    public Uni<SessionSnapshot> snapshot(UUID organizationId) {
        return store.find(organizationId).map(found -> found.map(SessionSupervisor::snapshotOf)
                .orElseGet(() -> new SessionSnapshot(SessionRecord.initial(organizationId, Instant.now()), null, false)));
    }

    /** The stored state in one query; empty when the organization does not exist. */
    public Uni<Optional<SessionSnapshot>> snapshotIfOrganization(UUID organizationId) {
        return store.findWithOrganization(organizationId).map(found -> found.map(session -> session.map(SessionSupervisor::snapshotOf)
                .orElseGet(() -> new SessionSnapshot(SessionRecord.initial(organizationId, Instant.now()), null, false))));
    }

    /** Carries out {@code command} here or on the replica that holds the connection, then answers the stored state. */
    public Uni<SessionSnapshot> execute(UUID organizationId, SessionCommand command) {
        long deadline = System.nanoTime() + config.commandTimeout().toNanos();
        return attempt(organizationId, command, deadline).flatMap(ignored -> snapshot(organizationId));
    }

    private Uni<Void> attempt(UUID organizationId, SessionCommand command, long deadline) {
        return registry.session(organizationId).run(command)
                .onFailure(OwnedElsewhere.class).recoverWithUni(error -> {
                    long left = deadline - System.nanoTime();
                    String owner = ((OwnedElsewhere) error).owner;
                    if (left <= 0 || owner == null) {
                        return left <= 0 ? Uni.createFrom().failure(new SessionRefused("owner-unavailable",
                                "The replica running this organization's connection did not answer; retry shortly.", true))
                                : Uni.createFrom().voidItem().onItem().delayIt().by(RETRY_PAUSE)
                                        .flatMap(ignored -> attempt(organizationId, command, deadline));
                    }
                    Duration wait = Duration.ofNanos(Math.min(left, RELAY_ATTEMPT.toNanos()));
                    return relay.forward(organizationId, command, owner, wait)
                            .onFailure(e -> e instanceof OwnedElsewhere
                                    || (e instanceof SessionRefused && "owner-unavailable".equals(((SessionRefused) e).reason())))
                            .recoverWithUni(again -> System.nanoTime() - deadline > 0 ? Uni.createFrom().failure(again)
                                    : attempt(organizationId, command, deadline));
                })
                .onFailure(SessionSupervisor::isDatabaseOutage).transform(error -> new SessionRefused("database-unavailable",
                        "The session store did not answer in time; retry shortly.", true));
    }

    /** The session as stored, its QR image (if any) rendered — on a worker thread the first time, never on an event loop. */
    public Uni<SessionSnapshot> snapshotWithImage(UUID organizationId) {
        return snapshot(organizationId).flatMap(SessionSupervisor::withImage);
    }

    private static Uni<SessionSnapshot> withImage(SessionSnapshot snapshot) {
        if (snapshot.qr() == null || QrImage.isRendered(snapshot.qr().text())) {
            return Uni.createFrom().item(snapshot);
        }
        return Uni.createFrom().item(() -> {
            snapshot.qr().dataUri();
            return snapshot;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Waits until a QR code shows or linking ends, at most {@code wait}, reading what any replica stored. */
    public Uni<SessionSnapshot> awaitQr(UUID organizationId, Duration wait) {
        return notices.awaitQr(organizationId, wait, this::snapshot).flatMap(SessionSupervisor::withImage);
    }

    /** Waits until a link code for {@code phone} shows or linking ends, at most {@code wait}. */
    public Uni<SessionSnapshot> awaitPairingCode(UUID organizationId, String phone, Duration wait) {
        return notices.await(organizationId, wait, this::snapshot, snapshot -> snapshot.qr() != null
                && snapshot.qr().linkCode() != null && phone.equals(snapshot.qr().linkCode().phone()));
    }

    /** QR codes as they rotate, then one final connected or failed notice; served by any replica. */
    public Multi<SessionNotice> notices(UUID organizationId) {
        return notices.stream(organizationId, this::snapshotWithImage);
    }

    /** Whether this replica runs a client for the organization. */
    public boolean runsClient(UUID organizationId) {
        return registry.find(organizationId).map(OrgSession::hasClient).orElse(false);
    }

    /** How many organizations have a live client on this replica (for tests and metrics). */
    public long liveClients() {
        return registry.liveClients();
    }

    /** Sessions held here in an active state with nothing running for them; must always be 0. */
    public long stuckSessions() {
        return registry.stuck();
    }

    public String replicaId() {
        return registry.context().replicaId();
    }

    // ---- lifecycle -----------------------------------------------------------------------------------

    void onStart(@Observes StartupEvent event) {
        clientOptions.options();
        if (config.adoptionConcurrency() < 1 || config.adoptionRate() < 1) {
            throw ClientOptionsFactory.invalid("adoption-concurrency / adoption-rate", "must be at least 1");
        }
        long lease = config.ownershipLease().toMillis();
        if (lease < 1000) {
            throw ClientOptionsFactory.invalid("ownership-lease", "must be at least 1s");
        }
        bus.on(SessionBus.SESSION_CHANNEL, this::onSessionChanged);
        bus.on(CommandStore.CHANNEL, this::onCommand);
        bus.on(CommandStore.DONE_CHANNEL, relay::onDone);
        bus.on(RemovalStore.CHANNEL, ignored -> unlinker.tick());
        bus.on(io.switchboard.messaging.OutboxStore.CHANNEL, this::onOutbox);
        bus.on(io.switchboard.events.EventStore.CHANNEL, this::onEvents);
        bus.onResubscribed(() -> {
            notices.changedAll();
            eventNotices.missedSome();
            adoption.tick();
        });
        bus.start();
        timers.add(vertx.setPeriodic(Math.max(200, lease / 3), t -> keeper.renew()));
        timers.add(vertx.setPeriodic(WATCHDOG_MILLIS, t -> keeper.watch()));
        timers.add(vertx.setPeriodic(Math.max(100, config.adoptionInterval().toMillis()), t -> adoption.tick()));
        timers.add(vertx.setPeriodic(CHORES_MILLIS, t -> chores()));
        timers.add(vertx.setPeriodic(Math.max(1000, registry.context().messaging().sweepInterval().toMillis()), t -> sweepMessages()));
        adoption.tick();
        LOG.infof("replica %s: lease %d ms, adoption every %s (at most %d at once, %d/s)", replicaId(), lease,
                config.adoptionInterval(), config.adoptionConcurrency(), config.adoptionRate());
    }

    void onStop(@Observes ShutdownEvent event) {
        timers.forEach(vertx::cancelTimer);
        adoption.stop();
        shutdownAll().await().atMost(SHUTDOWN_WAIT);
        bus.stop();
    }

    /**
     * Closes every client without logging out and releases every claim, so the other replicas
     * adopt the connections at once instead of waiting for leases to expire.
     */
    public Uni<Void> shutdownAll() {
        List<Uni<Void>> closing = registry.all().stream().map(OrgSession::shutdown).toList();
        Uni<Void> closed = closing.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(closing).andCollectFailures().replaceWithVoid().onFailure().recoverWithNull();
        return closed.flatMap(ignored -> leases.releaseAll(replicaId()))
                .invoke(count -> LOG.infof("replica %s handed over %d connections", replicaId(), count))
                .onFailure().invoke(error -> LOG.warnf("handing over connections failed (their leases will expire): %s",
                        error.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Looks for connections to adopt now (tests; otherwise the timer and notifications do it). */
    public void adoptNow() {
        adoption.tick();
    }

    void onOrganizationDeleted(@Observes OrganizationDeleted deleted) {
        registry.find(deleted.organizationId()).ifPresent(session -> session.forget().subscribe().with(ok -> { },
                error -> LOG.warnf("stopping the client of deleted organization %s failed: %s", deleted.organizationId(),
                        error.getMessage())));
        unlinker.tick();
    }

    // ---- notifications ---------------------------------------------------------------------------------

    /** Payload "organization|owner|epoch|state" from the session trigger. */
    private void onSessionChanged(String payload) {
        String[] parts = payload.split("\\|", -1);
        if (parts.length != 4) {
            return;
        }
        UUID organizationId = UUID.fromString(parts[0]);
        String owner = parts[1];
        long epoch = Long.parseLong(parts[2]);
        String state = parts[3];
        notices.changed(organizationId);
        registry.find(organizationId).ifPresent(session -> {
            long held = session.heldEpoch();
            if ("DELETED".equals(state)) {
                session.forget().subscribe().with(ok -> { }, error -> { });
            } else if (held >= 0 && epoch > held && !replicaId().equals(owner)) {
                // A newer epoch of our own is our own re-claim (a second command), seen before its result.
                session.fencedOff(held, "replica " + owner + " claimed the connection (epoch " + epoch + ")");
            }
        });
        if (owner.isEmpty() && !"DELETED".equals(state) && SessionState.valueOf(state).isActive()) {
            adoption.tick();
        }
    }

    /** Payload "owner|command id": carry it out when this replica is the owner. */
    private void onCommand(String payload) {
        int bar = payload.lastIndexOf('|');
        if (bar < 0 || !payload.substring(0, bar).equals(replicaId())) {
            return;
        }
        serve(UUID.fromString(payload.substring(bar + 1)));
    }

    private void serve(UUID commandId) {
        commands.pick(commandId, replicaId()).subscribe().with(picked -> picked.ifPresent(command ->
                registry.session(command.organizationId()).run(SessionCommand.parse(command.kind()))
                        .map(ignored -> new String[] {null, null})
                        .onFailure().recoverWithItem(SessionSupervisor::errorOf)
                        .flatMap(error -> commands.complete(command.id(), error[0], error[1]))
                        .subscribe().with(ok -> { }, error -> LOG.warnf("command %s: storing its outcome failed: %s",
                                command.id(), error.getMessage()))),
                error -> LOG.warnf("picking command %s failed: %s", commandId, error.getMessage()));
    }

    private static String[] errorOf(Throwable error) {
        if (error instanceof OwnedElsewhere) {
            return new String[] {CommandRelay.OWNED_ELSEWHERE, "the connection moved to another replica"};
        }
        if (error instanceof SessionRefused) {
            return new String[] {((SessionRefused) error).reason(), error.getMessage()};
        }
        LOG.warnf("forwarded command failed: %s", error.toString());
        return new String[] {"database-unavailable", "The command could not be carried out; retry shortly."};
    }

    static boolean isDatabaseOutage(Throwable error) {
        return error instanceof io.switchboard.db.DatabaseUnavailable || error instanceof TimeoutException
                || io.switchboard.db.Database.isOutage(error);
    }

    /** Texts that waited too long for a connection fail as not-linked; received texts and events past retention are deleted. */
    void sweepMessages() {
        MessagesConfig messaging = registry.context().messaging();
        Instant now = Instant.now();
        registry.context().outbox().failNotLinked(now.minus(messaging.notLinkedAfter())).subscribe().with(count -> {
            if (count > 0) {
                LOG.infof("%d texts failed as not-linked (their organizations stayed disconnected for %s)", count,
                        messaging.notLinkedAfter());
            }
        }, error -> LOG.debugf("the not-linked sweep failed: %s", error.getMessage()));
        registry.context().messages().deleteReceivedBefore(now.minus(messaging.retention())).subscribe().with(count -> { },
                error -> LOG.debugf("the retention sweep failed: %s", error.getMessage()));
        registry.context().events().deleteBefore(now.minus(messaging.retention())).subscribe().with(count -> { },
                error -> LOG.debugf("the event retention sweep failed: %s", error.getMessage()));
    }

    /** A text was queued (payload: the organization): the replica running its client sends it. */
    /** Events of an organization were committed (on any replica): its readers here read now. */
    private void onEvents(String payload) {
        try {
            eventNotices.published(UUID.fromString(payload));
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignored an event notification that names no organization: %s", payload);
        }
    }

    private void onOutbox(String payload) {
        try {
            registry.find(UUID.fromString(payload)).filter(OrgSession::hasClient).ifPresent(OrgSession::drainOutbox);
        } catch (IllegalArgumentException ignored) {
            // not an organization id
        }
    }

    private void chores() {
        commands.waiting(replicaId()).subscribe().with(ids -> ids.forEach(this::serve), error -> { });
        unlinker.tick();
        // A notification can be lost (listener reconnecting): texts waiting for a client running here are picked up anyway.
        java.util.List<UUID> running = registry.all().stream().filter(OrgSession::hasClient).map(session -> session.id).toList();
        registry.context().outbox().withPending(running).subscribe().with(
                found -> found.forEach(org -> registry.find(org).ifPresent(OrgSession::drainOutbox)), error -> { });
        if (++choreRuns % PRUNE_EVERY_CHORES == 0) {
            commands.prune().subscribe().with(ok -> { }, error -> LOG.debugf("pruning old commands failed: %s",
                    error.getMessage()));
        }
    }

    private static SessionSnapshot snapshotOf(StoredSession stored) {
        QrView qr = null;
        if (stored.qrText() != null && stored.record().state() == SessionState.AWAITING_QR
                && stored.qrExpiresAt().isAfter(Instant.now())) {
            qr = new QrView(stored.qrText(), stored.qrExpiresAt(), stored.linkCode());
        }
        return new SessionSnapshot(stored.record(), qr, stored.linked());
    }
}
