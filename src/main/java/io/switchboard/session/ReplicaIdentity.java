package io.switchboard.session;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * This process's name among the replicas: the pod's host name (when there is one) and a random
 * part, new at every start, so a restarted pod never mistakes its predecessor's claims for its own.
 */
@ApplicationScoped
public class ReplicaIdentity {

    private static final int MAX_HOST = 40;

    private final String id;

    ReplicaIdentity() {
        String host = System.getenv().getOrDefault("HOSTNAME", "replica");
        host = host.length() > MAX_HOST ? host.substring(0, MAX_HOST) : host;
        this.id = host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String id() {
        return id;
    }
}
