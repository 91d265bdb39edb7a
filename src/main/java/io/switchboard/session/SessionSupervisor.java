package io.switchboard.session;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.session.store.SessionRecord;
import io.switchboard.session.store.SessionStore;
import io.switchboard.session.store.StoredSession;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The sessions of this replica as the rest of the service sees them. Any replica answers any
 * request: state and QR are read from PostgreSQL; a command runs here when this replica can
 * claim the connection, otherwise it is handed to the replica that holds it. The replica's own
 * duties (notifications, timers, hand-over) are {@link ReplicaDuties}'.
 */
@ApplicationScoped
public class SessionSupervisor implements io.switchboard.messaging.PhoneReupload, io.switchboard.messaging.ContactChecks,
        io.switchboard.messaging.ReadReceipts, io.switchboard.messaging.Presences, io.switchboard.messaging.GroupRequests {

    private static final Duration RELAY_ATTEMPT = Duration.ofSeconds(4);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

    private final SessionRegistry registry;
    private final SessionStore store;
    private final CommandRelay relay;
    private final SessionNotices notices;
    private final SessionConfig config;
    private final ReplicaDuties duties;

    SessionSupervisor(SessionRegistry registry, SessionStore store, CommandRelay relay, SessionNotices notices,
            SessionConfig config, ReplicaDuties duties) {
        this.registry = registry;
        this.store = store;
        this.relay = relay;
        this.notices = notices;
        this.config = config;
        this.duties = duties;
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

    /**
     * Asks the organization's phone, through the replica running the connection, to upload the file
     * of the received message {@code messageId} again; the stored message then points at it.
     */
    @Override
    public Uni<Void> reupload(UUID organizationId, String messageId) {
        return relayed(organizationId, SessionCommand.mediaRetry(messageId),
                registry.context().media().retryTimeout().plus(RELAY_ATTEMPT), "media-retry-failed");
    }

    /** Asks WhatsApp, through the replica running the connection, which of {@code numbers} are on it; the answers are stored. */
    @Override
    public Uni<Void> check(UUID organizationId, java.util.List<String> numbers) {
        return relayed(organizationId, SessionCommand.contactCheck(numbers), config.commandTimeout(), "check-failed");
    }

    /** Sends a presence through the replica running the connection. */
    @Override
    public Uni<Void> presence(UUID organizationId, String state, String phone) {
        return relayed(organizationId, SessionCommand.presence(state, phone), config.commandTimeout(), "not-connected");
    }

    /** Carries out a group request through the replica running the connection; answers what it stored as its answer. */
    @Override
    public Uni<io.vertx.core.json.JsonObject> group(UUID organizationId, io.vertx.core.json.JsonObject request) {
        UUID requestId = UUID.randomUUID();
        return relayed(organizationId, SessionCommand.group(requestId, request.encode()), config.commandTimeout(), "not-connected")
                .flatMap(ignored -> registry.context().groups().takeAnswer(requestId))
                .map(answer -> answer == null ? new io.vertx.core.json.JsonObject() : answer);
    }

    /** Sends a read receipt through the replica running the connection, and records it. */
    @Override
    public Uni<Void> markRead(UUID organizationId, String phone, java.util.List<String> ids) {
        return relayed(organizationId, SessionCommand.markRead(phone, ids), config.commandTimeout(), "not-connected");
    }

    /**
     * Carries out a command that needs the live connection (here or on its owner) within {@code wait};
     * every failure becomes a {@link Failed}, a hand-over that did not work one with {@code otherwise}.
     */
    private Uni<Void> relayed(UUID organizationId, SessionCommand command, Duration wait, String otherwise) {
        long deadline = System.nanoTime() + wait.toNanos();
        return attempt(organizationId, command, deadline)
                .onFailure(SessionRefused.class).transform(error -> new Failed(((SessionRefused) error).reason(), error.getMessage()))
                .onFailure(error -> !(error instanceof Failed)).transform(error -> new Failed(otherwise,
                        "The request could not be handed to the replica running the connection: " + error.getMessage()));
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
                    // A media retry waits for a phone: the relay waits as long as the caller does.
                    Duration wait = Duration.ofNanos(command.kind() == SessionCommand.Kind.MEDIA_RETRY
                            || command.kind() == SessionCommand.Kind.CONTACT_CHECK
                            || command.kind() == SessionCommand.Kind.MARK_READ
                            || command.kind() == SessionCommand.Kind.PRESENCE
                            || command.kind() == SessionCommand.Kind.GROUP ? left
                            : Math.min(left, RELAY_ATTEMPT.toNanos()));
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

    static boolean isDatabaseOutage(Throwable error) {
        return error instanceof TimeoutException || io.switchboard.db.Database.isOutage(error);
    }


    /**
     * Closes every client without logging out and releases every claim, so the other replicas
     * adopt the connections at once instead of waiting for leases to expire (also done at shutdown).
     */
    public Uni<Void> shutdownAll() {
        return duties.handOver();
    }

    /** Looks for connections to adopt now (otherwise the timer and notifications do it). */
    public void adoptNow() {
        duties.adoptNow();
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
