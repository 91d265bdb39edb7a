package io.switchboard.session.store;

import io.switchboard.db.FencedException;
import io.switchboard.db.Fence;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.session.SessionEvent;
import io.switchboard.session.SessionState;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Claims, epochs and the fence, against the real PostgreSQL. */
@QuarkusTest
class LeaseStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration LEASE = Duration.ofSeconds(30);

    @Inject
    LeaseStore leases;

    @Inject
    SessionStore store;

    @Inject
    Pool pool;

    @Inject
    MessageStore messages;

    /**
     * Renewals have a connection of their own: with every connection of the main pool busy (twenty
     * two-second queries) and one more query waiting for them, a renewal is answered before that query.
     */
    @Test
    void aRenewalNeverWaitsBehindAFullPool() throws Exception {
        UUID org = createOrganization("Renewed while busy");
        Fence held = leases.claim(org, "replica-busy", LEASE).await().atMost(WAIT).orElseThrow();
        List<java.util.concurrent.CompletableFuture<?>> busy = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            busy.add(pool.query("SELECT pg_sleep(2)").execute().subscribeAsCompletionStage());
        }
        Thread.sleep(300);
        java.util.concurrent.CompletableFuture<?> waiting = pool.query("SELECT 1").execute().subscribeAsCompletionStage();
        assertEquals(Set.of(org), leases.renew("replica-busy", Map.of(org, held.epoch()), LEASE).await().atMost(WAIT).renewed());
        assertFalse(waiting.isDone(), "the main pool was full: its next query still waits");
        java.util.concurrent.CompletableFuture.allOf(busy.toArray(new java.util.concurrent.CompletableFuture[0])).get(10,
                java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * A renewal does not wait for a row a transaction has locked (a fenced write in flight): it renews
     * the others at once and answers that one as busy, still held; once the transaction ends it renews.
     */
    @Test
    void aRenewalSkipsARowATransactionHoldsAndSaysSo() throws Exception {
        UUID locked = createOrganization("Locked by a write");
        UUID free = createOrganization("Free to renew");
        Fence lockedFence = leases.claim(locked, "replica-writing", LEASE).await().atMost(WAIT).orElseThrow();
        Fence freeFence = leases.claim(free, "replica-writing", LEASE).await().atMost(WAIT).orElseThrow();
        Map<UUID, Long> held = Map.of(locked, lockedFence.epoch(), free, freeFence.epoch());
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Void> write = pool.withTransaction(connection -> lockedFence.check(connection, locked)
                .invoke(inside::countDown)
                .flatMap(ignored -> io.smallrye.mutiny.Uni.createFrom().completionStage(release)))
                .subscribeAsCompletionStage();
        assertTrue(inside.await(5, java.util.concurrent.TimeUnit.SECONDS), "the fenced transaction holds the row");

        // The transaction stays open until released: a renewal that waited for its lock would time out here.
        assertEquals(new LeaseStore.Renewal(Set.of(free), Set.of(locked)),
                leases.renew("replica-writing", held, LEASE).await().atMost(WAIT));

        release.complete(null);
        write.get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(new LeaseStore.Renewal(Set.of(locked, free), Set.of()),
                leases.renew("replica-writing", held, LEASE).await().atMost(WAIT));
    }

    @Test
    void aClaimFencesOffTheOneBefore() {
        UUID org = createOrganization("Fenced");
        Fence first = leases.claim(org, "replica-one", LEASE).await().atMost(WAIT).orElseThrow();
        assertEquals(Optional.empty(), leases.claim(org, "replica-two", LEASE).await().atMost(WAIT),
                "a live lease is not taken");
        expire(org);
        Fence second = leases.claim(org, "replica-two", LEASE).await().atMost(WAIT).orElseThrow();
        assertTrue(second.epoch() > first.epoch());

        SessionRecord replaced = SessionRecord.initial(org, Instant.now()).withState(SessionState.REPLACED, Instant.now());
        Transition step = new Transition(SessionState.DISCONNECTED, SessionState.REPLACED, SessionEvent.REPLACED, "stale 440", 440,
                Instant.now());
        assertThrows(FencedException.class, () -> store.record(first, replaced, step, SessionStore.KEEP, null)
                .await().atMost(WAIT), "the stale replica's write is refused");
        assertEquals(SessionState.DISCONNECTED, store.find(org).await().atMost(WAIT).orElseThrow().record().state());
        assertTrue(store.history(org).await().atMost(WAIT).isEmpty(), "no transition stored by the stale replica");

        assertEquals(new LeaseStore.Renewal(Set.of(), Set.of()), leases.renew("replica-one", Map.of(org, first.epoch()), LEASE)
                .await().atMost(WAIT), "neither renewed nor busy: lost");
        assertEquals(Set.of(org), leases.renew("replica-two", Map.of(org, second.epoch()), LEASE).await().atMost(WAIT).renewed());
        store.record(second, replaced, step, SessionStore.KEEP, null).await().atMost(WAIT);
        assertEquals(SessionState.REPLACED, store.find(org).await().atMost(WAIT).orElseThrow().record().state());
    }

    /** Signal sessions are written in one statement that checks the fence: a stale claim stores none, the current one all. */
    @Test
    void signalSessionsAreStoredOnlyUnderTheCurrentClaim() {
        UUID org = createOrganization("Fenced sessions");
        Fence first = leases.claim(org, "replica-one", LEASE).await().atMost(WAIT).orElseThrow();
        expire(org);
        Fence second = leases.claim(org, "replica-two", LEASE).await().atMost(WAIT).orElseThrow();
        io.switchboard.protocol.proto.SignalSessionRecord record = io.switchboard.protocol.proto.SignalSessionRecord.newBuilder()
                .setSenderKey(io.switchboard.protocol.proto.SenderKeyRecord.newBuilder().addDistributedTo("15550001:2@s.whatsapp.net"))
                .build();
        Map<String, io.switchboard.protocol.proto.SignalSessionRecord> both = Map.of("15550001.0", record, "15550002.0", record);
        assertThrows(FencedException.class, () -> messages.sessionsSent(first, org, both).await().atMost(WAIT));
        assertEquals(io.switchboard.protocol.proto.SignalSessionRecord.getDefaultInstance(),
                messages.signalSession(org, "15550001.0").await().atMost(WAIT), "nothing stored under the stale claim");
        messages.sessionsSent(second, org, both).await().atMost(WAIT);
        messages.sessionsSent(second, org, Map.of("15550002.0", io.switchboard.protocol.proto.SignalSessionRecord.getDefaultInstance()))
                .await().atMost(WAIT);
        assertEquals(record, messages.signalSession(org, "15550001.0").await().atMost(WAIT));
        assertEquals(io.switchboard.protocol.proto.SignalSessionRecord.getDefaultInstance(),
                messages.signalSession(org, "15550002.0").await().atMost(WAIT), "a record written again is replaced");
    }

    @Test
    void adoptionTakesOnlyWhatNoLiveReplicaHolds() {
        UUID held = createOrganization("Held");
        UUID orphan = createOrganization("Orphan");
        for (UUID org : List.of(held, orphan)) {
            leases.claim(org, "replica-gone", LEASE).await().atMost(WAIT);
            pool.preparedQuery("UPDATE whatsapp_session SET state = 'CONNECTED' WHERE organization_id = $1")
                    .execute(Tuple.of(org)).await().atMost(WAIT);
        }
        expire(orphan);
        List<Adopted> adopted = leases.adopt("replica-new", LEASE, 1000).await().atMost(WAIT);
        assertTrue(adopted.stream().anyMatch(a -> a.organizationId().equals(orphan) && a.state() == SessionState.CONNECTED));
        assertFalse(adopted.stream().anyMatch(a -> a.organizationId().equals(held)), "a live lease is never adopted");
        assertFalse(leases.adopt("replica-third", LEASE, 1000).await().atMost(WAIT).stream()
                .anyMatch(a -> a.organizationId().equals(orphan)), "adopted once");
    }

    private void expire(UUID org) {
        pool.preparedQuery("UPDATE whatsapp_session SET lease_until = now() - interval '1 second' WHERE organization_id = $1")
                .execute(Tuple.of(org)).await().atMost(WAIT);
    }
}
