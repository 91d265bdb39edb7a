package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import java.util.Set;

/** How WhatsApp ends a stream for each code the admin API can ask for. */
final class DisconnectCodes {

    static final Set<Integer> SUPPORTED = Set.of(401, 403, 408, 428, 440, 500, 503, 515);

    private DisconnectCodes() {
    }

    static Node goodbye(int code) {
        switch (code) {
            case 401:
                return Stanzas.deviceRemoved();
            case 403:
                return Stanzas.failure(403);
            case 440:
                return Stanzas.replaced();
            default:
                return Stanzas.streamError(code);
        }
    }
}
