package io.switchboard.protocol.media;

import io.switchboard.protocol.binary.Node;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * WhatsApp's answer to {@code <media_conn/>}: the auth token for uploads, how long it may be used
 * ({@code ttl} seconds, then asked again) and the media hosts, primary ones first.
 */
public record MediaConn(String auth, long ttlSeconds, List<String> hosts, Instant fetchedAt) {

    public MediaConn {
        hosts = List.copyOf(hosts);
    }

    public boolean fresh(Instant now) {
        return now.isBefore(fetchedAt.plusSeconds(ttlSeconds));
    }

    /** The media_conn in an IQ result; empty when it lacks the auth token, a ttl or any host. */
    public static Optional<MediaConn> parse(Node result, Instant now) {
        Node conn = result.child("media_conn").orElse(null);
        if (conn == null) {
            return Optional.empty();
        }
        String auth = conn.attribute("auth").orElse(null);
        String ttl = conn.attribute("ttl").filter(value -> value.matches("[0-9]{1,9}")).orElse(null);
        List<String> primary = new ArrayList<>();
        List<String> fallback = new ArrayList<>();
        for (Node host : conn.children()) {
            String name = host.attribute("hostname").orElse("");
            if (!"host".equals(host.tag()) || !name.matches("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")) {
                continue;
            }
            ("fallback".equals(host.attribute("type").orElse("")) ? fallback : primary).add(name);
        }
        primary.addAll(fallback);
        if (auth == null || auth.isEmpty() || ttl == null || primary.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new MediaConn(auth, Math.max(1, Long.parseLong(ttl)), primary, now));
    }
}
