package io.switchboard.session;

import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.db.Fence;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An adoption that fails on this replica's side before its client runs (here: the session's row cannot be read)
 * lets the claim go and tells adoption it failed (overload), rather than holding and renewing a claim with no
 * connection behind it: such a session stayed CONNECTED with nothing running until its replica stopped.
 */
@QuarkusTest
class AdoptionFailureTest {

    @Inject
    SessionRegistry registry;

    @Test
    void aFailedAdoptionLetsTheClaimGoAndCountsAsOverload() {
        UUID organizationId = createOrganization("Adoption fails");
        OrgSession session = registry.session(organizationId);
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        Adoption.Settled settled = new Adoption.Settled() {
            @Override
            public void loginSettled(boolean loggedIn) {
                other.incrementAndGet();
            }

            @Override
            public void nothingToLogIn() {
                other.incrementAndGet();
            }

            @Override
            public void loginFailed() {
                failed.incrementAndGet();
            }
        };
        // No session row exists for it yet: reading it fails after the claim was taken up.
        Fence claimed = new Fence(registry.context().replicaId(), 7);
        assertThrows(RuntimeException.class, () -> session.adopted(claimed, System.nanoTime(), settled).await()
                .atMost(Duration.ofSeconds(10)));
        assertEquals(-1, session.heldEpoch(), "the claim was let go, not held without a connection");
        assertTrue(!session.hasClient());
        assertEquals(1, failed.get(), "adoption was told it failed");
        assertEquals(0, other.get());
    }
}
