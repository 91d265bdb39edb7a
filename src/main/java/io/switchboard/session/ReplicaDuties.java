package io.switchboard.session;

import io.switchboard.messaging.MessagesConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.switchboard.organization.OrganizationDeleted;
import io.switchboard.session.store.CommandStore;
import io.switchboard.session.store.LeaseStore;
import io.switchboard.session.store.RemovalStore;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * This replica's duties towards the sessions it holds and the fleet: at start-up the checks, the
 * notifications it listens to (session changes, commands for it, texts queued, events written,
 * removals) and the timers (lease renewal, the claim watchdog, adoption, chores, sweeps); at
 * shutdown handing every connection over. The REST-facing side is {@link SessionSupervisor}.
 */
@ApplicationScoped
class ReplicaDuties {

    private static final Logger LOG = Logger.getLogger(ReplicaDuties.class);
    private static final long WATCHDOG_MILLIS = 250;
    private static final long CHORES_MILLIS = 2000;
    /** Old commands are pruned about once a minute. */
    private static final int PRUNE_EVERY_CHORES = 30;
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);

    private final SessionRegistry registry;
    private final LeaseStore leases;
    private final CommandStore commands;
    private final SessionBus bus;
    private final CommandRelay relay;
    private final LeaseKeeper keeper;
    private final Adoption adoption;
    private final DeviceUnlinker unlinker;
    private final SessionNotices notices;
    private final ClientOptionsFactory clientOptions;
    private final SessionConfig config;
    private final Vertx vertx;
    private final io.switchboard.events.EventNotices eventNotices;
    private final List<Long> timers = new ArrayList<>();
    private long choreRuns;

    ReplicaDuties(SessionRegistry registry, LeaseStore leases, CommandStore commands, SessionBus bus, CommandRelay relay,
            LeaseKeeper keeper, Adoption adoption, DeviceUnlinker unlinker, SessionNotices notices,
            ClientOptionsFactory clientOptions, SessionConfig config, Vertx vertx, io.switchboard.events.EventNotices eventNotices) {
        this.registry = registry;
        this.leases = leases;
        this.commands = commands;
        this.bus = bus;
        this.relay = relay;
        this.keeper = keeper;
        this.adoption = adoption;
        this.unlinker = unlinker;
        this.notices = notices;
        this.clientOptions = clientOptions;
        this.config = config;
        this.vertx = vertx;
        this.eventNotices = eventNotices;
    }

    // ---- lifecycle -----------------------------------------------------------------------------------

    void onStart(@Observes StartupEvent event) {
        clientOptions.options();
        if (config.adoptionConcurrency() < 1 || config.adoptionRate() < 1) {
            throw ClientOptionsFactory.invalid("adoption-concurrency / adoption-rate", "must be at least 1");
        }
        if (config.adoptionLoopDelay().toNanos() <= 0 || config.adoptionSlowLogin().toNanos() <= 0) {
            throw ClientOptionsFactory.invalid("adoption-loop-delay / adoption-slow-login", "must be positive");
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
        timers.add(vertx.setPeriodic(LeaseKeeper.tickMillis(config.ownershipLease()), t -> keeper.renew()));
        timers.add(vertx.setPeriodic(WATCHDOG_MILLIS, t -> keeper.watch()));
        timers.add(vertx.setPeriodic(Math.max(100, config.adoptionInterval().toMillis()), t -> adoption.tick()));
        timers.add(vertx.setPeriodic(CHORES_MILLIS, t -> chores()));
        timers.add(vertx.setPeriodic(Math.max(1000, registry.context().messaging().sweepInterval().toMillis()), t -> sweepMessages()));
        adoption.tick();
        LOG.infof("replica %s: lease %d ms, adoption every %s (adaptive, from %d up to %d at once, at most %d/s)",
                registry.context().replicaId(), lease, config.adoptionInterval(), Math.min(AdoptionLimit.INITIAL,
                        config.adoptionConcurrency()), config.adoptionConcurrency(), config.adoptionRate());
    }

    void onStop(@Observes ShutdownEvent event) {
        timers.forEach(vertx::cancelTimer);
        adoption.stop();
        handOver().await().atMost(SHUTDOWN_WAIT);
        bus.stop();
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
            } else if (held >= 0 && epoch > held && !registry.context().replicaId().equals(owner)) {
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
        if (bar < 0 || !payload.substring(0, bar).equals(registry.context().replicaId())) {
            return;
        }
        serve(UUID.fromString(payload.substring(bar + 1)));
    }

    private void serve(UUID commandId) {
        commands.pick(commandId, registry.context().replicaId()).subscribe().with(picked -> picked.ifPresent(command ->
                registry.session(command.organizationId()).run(SessionCommand.parse(command.kind()))
                        .map(ignored -> new String[] {null, null})
                        .onFailure().recoverWithItem(ReplicaDuties::errorOf)
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
        if (error instanceof io.switchboard.messaging.PhoneReupload.Failed failed) {
            return new String[] {failed.reason(), failed.getMessage()};
        }
        LOG.warnf("forwarded command failed: %s", error.toString());
        return new String[] {"database-unavailable", "The command could not be carried out; retry shortly."};
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
        registry.context().media().sweepAbandoned().subscribe().with(count -> { },
                error -> LOG.debugf("the staged-media sweep failed: %s", error.getMessage()));
    }

    /** Events of an organization were committed (on any replica): its readers here read now. */
    private void onEvents(String payload) {
        try {
            eventNotices.published(UUID.fromString(payload));
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignored an event notification that names no organization: %s", payload);
        }
    }

    /** A text was queued (payload: the organization): the replica running its client sends it. */
    private void onOutbox(String payload) {
        try {
            registry.find(UUID.fromString(payload)).filter(OrgSession::hasClient).ifPresent(OrgSession::drainOutbox);
        } catch (IllegalArgumentException ignored) {
            // not an organization id
        }
    }

    private void chores() {
        commands.waiting(registry.context().replicaId()).subscribe().with(ids -> ids.forEach(this::serve), error -> { });
        unlinker.tick();
        // A notification can be lost (listener reconnecting): texts waiting for a client running here are picked up anyway.
        java.util.List<UUID> running = registry.all().stream().filter(OrgSession::hasClient).map(session -> session.id).toList();
        registry.context().outbox().withPending(running).subscribe().with(
                found -> found.forEach(org -> registry.find(org).ifPresent(OrgSession::drainOutbox)), error -> { });
        if (++choreRuns % PRUNE_EVERY_CHORES == 0) {
            commands.prune().subscribe().with(ok -> { }, error -> LOG.debugf("pruning old commands failed: %s",
                    error.getMessage()));
            registry.context().groups().pruneAnswers().subscribe().with(ok -> { }, error -> LOG.debugf(
                    "pruning group answers nobody read failed: %s", error.getMessage()));
        }
    }

    /**
     * Closes every client without logging out and releases every claim, so the other replicas
     * adopt the connections at once instead of waiting for leases to expire.
     */
    Uni<Void> handOver() {
        List<Uni<Void>> closing = registry.all().stream().map(OrgSession::shutdown).toList();
        Uni<Void> closed = closing.isEmpty() ? Uni.createFrom().voidItem()
                : Uni.join().all(closing).andCollectFailures().replaceWithVoid().onFailure().recoverWithNull();
        return closed.flatMap(ignored -> leases.releaseAll(registry.context().replicaId()))
                .invoke(count -> LOG.infof("replica %s handed over %d connections", registry.context().replicaId(), count))
                .onFailure().invoke(error -> LOG.warnf("handing over connections failed (their leases will expire): %s",
                        error.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Looks for connections to adopt now, instead of at the next tick. */
    void adoptNow() {
        adoption.tick();
    }
}
