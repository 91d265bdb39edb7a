package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The refs offered to one unpaired device and their schedule: ref 0 may be scanned during the
 * first lifetime, each later ref during the next shorter one, as the client shows them in turn.
 * When the last has expired the stream ends.
 */
final class Pairing {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration END_GRACE = Duration.ofSeconds(2);

    final SandboxConnection connection;
    private final List<String> refs = new ArrayList<>();
    private final Instant started;
    private final SandboxOptions options;
    private final Vertx vertx;
    private final String iqId = String.valueOf(RANDOM.nextInt(1_000_000_000));
    private long timer = -1;

    Pairing(SandboxConnection connection, SandboxOptions options, Instant started, Vertx vertx) {
        this.connection = connection;
        this.options = options;
        this.started = started;
        this.vertx = vertx;
        for (int i = 0; i < options.qrRefs(); i++) {
            byte[] random = new byte[18];
            RANDOM.nextBytes(random);
            refs.add("2@" + Base64.getEncoder().encodeToString(random));
        }
    }

    List<String> refs() {
        return List.copyOf(refs);
    }

    Node pairDevice() {
        List<Node> children = new ArrayList<>();
        for (String ref : refs) {
            children.add(Node.withBytes("ref", Stanzas.attrs(), ref.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return Node.withChildren("iq", Stanzas.attrs("from", Stanzas.SERVER, "type", "set", "id", iqId, "xmlns", "md"),
                List.of(Node.withChildren("pair-device", Stanzas.attrs(), children)));
    }

    /** Whether {@code ref} is the one the device shows at {@code now}. */
    boolean isCurrent(String ref, Instant now) {
        int index = refs.indexOf(ref);
        if (index < 0) {
            return false;
        }
        Instant from = index == 0 ? started : started.plus(options.firstRefLifetime())
                .plus(options.laterRefLifetime().multipliedBy(index - 1L));
        Instant until = index == 0 ? started.plus(options.firstRefLifetime())
                : from.plus(options.laterRefLifetime());
        return !now.isBefore(from) && now.isBefore(until);
    }

    void onExhausted(Runnable action) {
        timer = vertx.setTimer(options.pairingWindow().plus(END_GRACE).toMillis(),
                id -> connection.run(action));
    }

    void cancel() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
