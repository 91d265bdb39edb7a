package io.switchboard.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Notifications reach their channel's handler until the bus stops (a stopping replica hears its own hand-over). */
class SessionBusTest {

    @Test
    void aStoppedBusHandsNothingOver() {
        Vertx vertx = Vertx.vertx();
        try {
            SessionBus bus = new SessionBus(vertx, "postgresql://127.0.0.1:5432/test", Optional.of("postgres"), Optional.empty());
            List<String> heard = new ArrayList<>();
            bus.on(SessionBus.SESSION_CHANNEL, heard::add);
            bus.dispatch(SessionBus.SESSION_CHANNEL, "before");
            bus.stop();
            bus.dispatch(SessionBus.SESSION_CHANNEL, "after");
            assertEquals(List.of("before"), heard);
        } finally {
            vertx.close();
        }
    }
}
