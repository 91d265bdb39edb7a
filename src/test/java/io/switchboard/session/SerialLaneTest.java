package io.switchboard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** In the Quarkus test application, where Mutiny's context propagation is set up once for the JVM. */
@QuarkusTest
class SerialLaneTest {

    @Test
    void aTaskThatNeverEndsFailsAtItsDeadlineAndTheLaneMovesOn() {
        SerialLane lane = new SerialLane(Duration.ofMillis(200));
        Uni<String> stuck = lane.submit(() -> Uni.createFrom().nothing());
        Uni<String> next = lane.submit(() -> Uni.createFrom().item("next"));
        Throwable error = assertThrows(RuntimeException.class, () -> stuck.await().atMost(Duration.ofSeconds(5)));
        assertInstanceOf(TimeoutException.class, error.getCause() == null ? error : error.getCause());
        assertEquals("next", next.await().atMost(Duration.ofSeconds(5)));
        assertFalse(lane.busy());
    }
}
