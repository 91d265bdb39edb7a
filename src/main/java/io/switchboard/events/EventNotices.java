package io.switchboard.events;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Who wants to hear that events were written: every event write notifies {@value EventStore#CHANNEL}
 * with its organization, the replica's LISTEN connection hands each notification here, and the
 * readers (webhook dispatcher, event streams) read at once instead of waiting for their slow poll,
 * which stays as the safety net. After the LISTEN connection was lost, every reader is woken.
 */
@ApplicationScoped
public class EventNotices {

    private static final Logger LOG = Logger.getLogger(EventNotices.class);
    private static final UUID ANY = new UUID(0, 0);

    private final Map<Object, Listener> listeners = new ConcurrentHashMap<>();

    private record Listener(UUID organizationId, Runnable wake) {
    }

    /** Calls {@code wake} (quickly, without blocking) when {@code organizationId}'s events change; null for every organization. */
    public Runnable listen(UUID organizationId, Runnable wake) {
        Object key = new Object();
        listeners.put(key, new Listener(organizationId == null ? ANY : organizationId, wake));
        return () -> listeners.remove(key);
    }

    /** Events of {@code organizationId} were committed. */
    public void published(UUID organizationId) {
        listeners.values().forEach(listener -> {
            if (listener.organizationId().equals(ANY) || listener.organizationId().equals(organizationId)) {
                wake(listener);
            }
        });
    }

    /** Notifications may have been lost (the LISTEN connection dropped): everyone reads again. */
    public void missedSome() {
        listeners.values().forEach(EventNotices::wake);
    }

    private static void wake(Listener listener) {
        try {
            listener.wake().run();
        } catch (RuntimeException e) {
            LOG.errorf(e, "waking an event reader failed");
        }
    }
}
