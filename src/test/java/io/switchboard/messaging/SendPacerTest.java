package io.switchboard.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The pacing sizes the outbox's batches: what it lets out within a span, never less than one. */
class SendPacerTest {

    @Test
    void aBatchIsWhatThePacingLetsOutWithinTheSpan() {
        SendPacer pacer = new SendPacer(1, 5);
        assertEquals(6, pacer.allowedWithin(1000), "the burst and one more within a second at 1/s");
        for (int i = 0; i < 5; i++) {
            assertEquals(0, pacer.reserveMillis());
        }
        assertEquals(1, pacer.allowedWithin(1000), "the burst spent: one per second");
        assertEquals(1, pacer.allowedWithin(0), "never less than one");
        assertEquals(100_005, new SendPacer(100_000, 100_000).allowedWithin(0) + 5);
    }
}
