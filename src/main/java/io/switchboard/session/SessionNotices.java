package io.switchboard.session;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * QR codes and outcomes as any replica sees them: every change of a session row is announced by
 * PostgreSQL to every replica, which re-reads the row for the callers watching it here (a waiting
 * init, an SSE stream). A slow poll covers notifications lost while the listener reconnected.
 */
@ApplicationScoped
class SessionNotices {

    private static final long POLL_MILLIS = 2000;

    private final Map<UUID, Set<Runnable>> watchers = new ConcurrentHashMap<>();
    private final Vertx vertx;

    SessionNotices(Vertx vertx) {
        this.vertx = vertx;
    }

    void changed(UUID organizationId) {
        Set<Runnable> watching = watchers.get(organizationId);
        if (watching != null) {
            watching.forEach(Runnable::run);
        }
    }

    void changedAll() {
        watchers.values().forEach(set -> set.forEach(Runnable::run));
    }

    private Runnable watch(UUID organizationId, Runnable onChange) {
        watchers.computeIfAbsent(organizationId, id -> new CopyOnWriteArraySet<>()).add(onChange);
        return () -> watchers.computeIfPresent(organizationId, (id, set) -> {
            set.remove(onChange);
            return set.isEmpty() ? null : set;
        });
    }

    /** Re-reads until a QR shows or linking ends, at most {@code wait}. */
    Uni<SessionSnapshot> awaitQr(UUID organizationId, Duration wait, Function<UUID, Uni<SessionSnapshot>> read) {
        return await(organizationId, wait, read, snapshot -> snapshot.qr() != null);
    }

    /** Waits until {@code shown} holds or linking ends, at most {@code wait}. */
    Uni<SessionSnapshot> await(UUID organizationId, Duration wait, Function<UUID, Uni<SessionSnapshot>> read,
            java.util.function.Predicate<SessionSnapshot> shown) {
        AtomicReference<CompletableFuture<Void>> signal = new AtomicReference<>(new CompletableFuture<>());
        Runnable stop = watch(organizationId, () -> signal.get().complete(null));
        long deadline = System.nanoTime() + wait.toNanos();
        return poll(organizationId, deadline, signal, read, shown).eventually(stop::run);
    }

    private Uni<SessionSnapshot> poll(UUID organizationId, long deadline, AtomicReference<CompletableFuture<Void>> signal,
            Function<UUID, Uni<SessionSnapshot>> read, java.util.function.Predicate<SessionSnapshot> shown) {
        signal.set(new CompletableFuture<>());
        return read.apply(organizationId).flatMap(snapshot -> {
            SessionState state = snapshot.record().state();
            long left = deadline - System.nanoTime();
            if (shown.test(snapshot) || left <= 0 || (state != SessionState.CONNECTING && state != SessionState.AWAITING_QR)) {
                return Uni.createFrom().item(snapshot);
            }
            return Uni.createFrom().completionStage(signal.get())
                    .ifNoItem().after(Duration.ofNanos(Math.min(left, Duration.ofMillis(POLL_MILLIS).toNanos())))
                    .recoverWithItem((Void) null)
                    .flatMap(ignored -> poll(organizationId, deadline, signal, read, shown));
        });
    }

    /** QR codes as they rotate, then one final connected or failed notice. */
    Multi<SessionNotice> stream(UUID organizationId, Function<UUID, Uni<SessionSnapshot>> read) {
        return Multi.createFrom().emitter(emitter -> {
            AtomicReference<Instant> lastQr = new AtomicReference<>(Instant.EPOCH);
            AtomicReference<String> lastShown = new AtomicReference<>("");
            Runnable check = () -> read.apply(organizationId).subscribe().with(snapshot -> {
                SessionNotice notice = noticeFor(snapshot);
                synchronized (lastQr) {
                    if (notice == null || emitter.isCancelled()) {
                        return;
                    }
                    if (!notice.isFinal()) {
                        // A new QR, a redrawn one (companion refresh) or a code added; never an older read.
                        String shown = notice.qr() + "|" + notice.pairingCode();
                        if (notice.expiresAt().isBefore(lastQr.get()) || shown.equals(lastShown.get())) {
                            return;
                        }
                        lastQr.set(notice.expiresAt());
                        lastShown.set(shown);
                        emitter.emit(notice);
                        return;
                    }
                    lastQr.set(Instant.MAX);
                    emitter.emit(notice);
                    emitter.complete();
                }
            }, emitter::fail);
            Runnable stop = watch(organizationId, check);
            long timer = vertx.setPeriodic(POLL_MILLIS, t -> check.run());
            emitter.onTermination(() -> {
                stop.run();
                vertx.cancelTimer(timer);
            });
            check.run();
        });
    }

    private static SessionNotice noticeFor(SessionSnapshot snapshot) {
        SessionState state = snapshot.record().state();
        if (snapshot.qr() != null) {
            return SessionNotice.qr(snapshot.qr());
        }
        if (state == SessionState.CONNECTED) {
            return SessionNotice.connected(snapshot.record().jid());
        }
        if (!state.isActive()) {
            return SessionNotice.failed(state, snapshot.record().lastDisconnectReason());
        }
        return null;
    }
}
