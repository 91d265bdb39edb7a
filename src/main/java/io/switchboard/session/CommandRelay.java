package io.switchboard.session;

import io.smallrye.mutiny.Uni;
import io.switchboard.session.store.CommandStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands a command to the replica that runs the connection, through PostgreSQL: the command is a
 * row plus a notification to its owner; the owner's outcome comes back the same way. Waits are
 * bounded; a command nobody picked in time is withdrawn, so it can never run late.
 */
@ApplicationScoped
class CommandRelay {

    static final String OWNED_ELSEWHERE = "owned-by-another-replica";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Set<String> UNAVAILABLE = Set.of("database-unavailable", "owner-unavailable", "owner-busy");

    private final CommandStore commands;
    private final Map<UUID, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    CommandRelay(CommandStore commands) {
        this.commands = commands;
    }

    /** A command's outcome was stored (notification payload: its id). */
    void onDone(String payload) {
        try {
            CompletableFuture<Void> signal = waiting.get(UUID.fromString(payload));
            if (signal != null) {
                signal.complete(null);
            }
        } catch (IllegalArgumentException ignored) {
            // not one of ours
        }
    }

    /** Sends {@code command} to {@code owner} and waits for its outcome, at most {@code wait}. */
    Uni<Void> forward(UUID organizationId, SessionCommand command, String owner, Duration wait) {
        UUID id = UUID.randomUUID();
        CompletableFuture<Void> signal = new CompletableFuture<>();
        waiting.put(id, signal);
        long deadline = System.nanoTime() + wait.toNanos();
        return commands.send(id, organizationId, command.wire(), owner)
                .flatMap(ignored -> outcome(id, signal, deadline))
                .eventually(() -> waiting.remove(id));
    }

    private Uni<Void> outcome(UUID id, CompletableFuture<Void> signal, long deadline) {
        long left = Math.max(1, deadline - System.nanoTime());
        // A derived stage: the timeout cancels it, never the signal itself.
        return Uni.createFrom().completionStage(() -> signal.thenApply(done -> done))
                .ifNoItem().after(Duration.ofNanos(Math.min(left, POLL.toNanos())))
                .recoverWithItem((Void) null)
                .flatMap(ignored -> commands.outcome(id))
                .flatMap(outcome -> {
                    if (outcome.done()) {
                        return outcome.errorReason() == null ? Uni.createFrom().voidItem()
                                : Uni.createFrom().failure(refusal(outcome));
                    }
                    if (System.nanoTime() - deadline > 0) {
                        return commands.withdraw(id).flatMap(withdrawn -> Uni.createFrom().failure(withdrawn
                                ? new SessionRefused("owner-unavailable", "The replica running this organization's"
                                        + " connection did not answer; retry shortly.", true)
                                : new SessionRefused("owner-busy", "The replica running this organization's connection"
                                        + " is still carrying out the command; check the status shortly.", true)));
                    }
                    return outcome(id, signal, deadline);
                });
    }

    private static RuntimeException refusal(CommandStore.Outcome outcome) {
        if (OWNED_ELSEWHERE.equals(outcome.errorReason())) {
            return new OwnedElsewhere(null, null);
        }
        return new SessionRefused(outcome.errorReason(), outcome.errorMessage(), UNAVAILABLE.contains(outcome.errorReason()));
    }
}
