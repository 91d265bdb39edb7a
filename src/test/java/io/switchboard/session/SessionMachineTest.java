package io.switchboard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.protocol.client.DisconnectReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionMachineTest {

    @Test
    void linkingPath() {
        SessionState s = SessionMachine.next(SessionState.DISCONNECTED, SessionEvent.LINK_REQUESTED);
        s = SessionMachine.next(s, SessionEvent.QR_SHOWN);
        s = SessionMachine.next(s, SessionEvent.PAIRED);
        s = SessionMachine.next(s, SessionEvent.LOGGED_IN);
        assertEquals(SessionState.CONNECTED, s);
    }

    @Test
    void everyStateCanStartOver() {
        for (SessionState state : SessionState.values()) {
            assertEquals(SessionState.CONNECTING, SessionMachine.next(state, SessionEvent.LINK_REQUESTED));
            assertEquals(SessionState.CONNECTING, SessionMachine.next(state, SessionEvent.LOGIN_REQUESTED));
            assertEquals(SessionState.DISCONNECTED, SessionMachine.next(state, SessionEvent.DISCONNECT_REQUESTED));
        }
    }

    @Test
    void illegalEventsAreErrors() {
        assertThrows(SessionMachine.IllegalTransitionException.class,
                () -> SessionMachine.next(SessionState.DISCONNECTED, SessionEvent.LOGGED_IN));
        assertThrows(SessionMachine.IllegalTransitionException.class,
                () -> SessionMachine.next(SessionState.CONNECTED, SessionEvent.QR_SHOWN));
        assertThrows(SessionMachine.IllegalTransitionException.class,
                () -> SessionMachine.next(SessionState.REPLACED, SessionEvent.RETRY_DUE));
        assertThrows(SessionMachine.IllegalTransitionException.class,
                () -> SessionMachine.next(SessionState.LOGGED_OUT, SessionEvent.CONNECTION_LOST));
    }

    @Test
    void disconnectPolicyMatchesTheIssue() {
        assertEquals(SessionEvent.LOGGED_OUT, DisconnectPolicy.eventFor(DisconnectReason.LOGGED_OUT, SessionState.CONNECTED, true));
        assertEquals(SessionEvent.REPLACED, DisconnectPolicy.eventFor(DisconnectReason.REPLACED, SessionState.CONNECTED, true));
        assertEquals(SessionEvent.CLIENT_OUTDATED,
                DisconnectPolicy.eventFor(DisconnectReason.CLIENT_OUTDATED, SessionState.CONNECTING, false));
        assertEquals(SessionEvent.QR_EXHAUSTED,
                DisconnectPolicy.eventFor(DisconnectReason.QR_REFS_EXHAUSTED, SessionState.AWAITING_QR, false));
        assertEquals(SessionEvent.CONNECTION_LOST,
                DisconnectPolicy.eventFor(DisconnectReason.CONNECTION_LOST, SessionState.CONNECTED, true));
        assertEquals(SessionEvent.CONNECTION_LOST,
                DisconnectPolicy.eventFor(DisconnectReason.UNAVAILABLE, SessionState.CONNECTED, true));
        assertEquals(SessionEvent.REJECTED,
                DisconnectPolicy.eventFor(DisconnectReason.CONNECTION_LOST, SessionState.AWAITING_QR, false));
        assertEquals(null, DisconnectPolicy.eventFor(DisconnectReason.CLIENT_CLOSED, SessionState.CONNECTED, true));
    }

    @Test
    void backoffStartsWithinASecondAndIsCapped() {
        ReconnectPolicy policy = new ReconnectPolicy(Duration.ofMillis(800), Duration.ofSeconds(60));
        for (int i = 0; i < 100; i++) {
            assertTrue(policy.delay(0).toMillis() <= 1000);
            assertTrue(policy.delay(30).toMillis() <= 60_000);
            assertTrue(policy.delay(30).toMillis() >= 30_000);
        }
        assertTrue(policy.delay(3).toMillis() >= 3200 && policy.delay(3).toMillis() <= 6400);
    }

    @Test
    void statusNamesOfTheOldApi() {
        assertEquals("connected", SessionState.CONNECTED.connectionStatus());
        assertEquals("pending", SessionState.AWAITING_QR.connectionStatus());
        assertEquals("pending", SessionState.RECONNECTING.connectionStatus());
        assertEquals("disconnected", SessionState.LOGGED_OUT.connectionStatus());
    }
}
