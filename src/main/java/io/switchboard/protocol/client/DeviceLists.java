package io.switchboard.protocol.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The device lists a client learned from usync, per user, so that a send does not ask WhatsApp
 * again for every text: kept {@link #TTL} (as Baileys keeps them), forgotten at once when WhatsApp
 * says a user's devices changed ({@code <notification type="devices">}), when one of the user's
 * devices asks for a message again (a retry receipt: it may be a device we did not know), and at
 * every new connection (changes announced while we were away were not seen). Bounded; thread-safe.
 */
final class DeviceLists {

    static final Duration TTL = Duration.ofMinutes(5);
    private static final int MAX_USERS = 5_000;

    private record Entry(List<String> devices, long fetchedNanos) { }

    private final LongSupplier nanoClock;
    private final Map<String, Entry> byUser = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > MAX_USERS;
        }
    };

    DeviceLists(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The users among {@code users} (user jids) with no fresh list: they must be asked. */
    synchronized List<String> missing(List<String> users) {
        long now = nanoClock.getAsLong();
        List<String> missing = new ArrayList<>();
        for (String user : users) {
            Entry entry = byUser.get(user);
            if (entry == null || now - entry.fetchedNanos() > TTL.toNanos()) {
                byUser.remove(user);
                missing.add(user);
            }
        }
        return missing;
    }

    /**
     * Keeps what a usync answer said about {@code asked} (each user's device jids, as {@link Outbound#devices}
     * gives them) and answers it per user; a user the answer did not name is not kept (asked again next time).
     */
    synchronized Map<String, List<String>> learned(List<String> asked, List<String> devices, List<String> named) {
        long now = nanoClock.getAsLong();
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        for (String user : asked) {
            if (named.contains(user)) {
                grouped.put(user, new ArrayList<>());
            }
        }
        for (String device : devices) {
            List<String> list = grouped.get(Inbound.userJid(device));
            if (list != null) {
                list.add(device);
            }
        }
        grouped.replaceAll((user, list) -> List.copyOf(list));
        grouped.forEach((user, list) -> byUser.put(user, new Entry(list, now)));
        return grouped;
    }

    /** The devices of {@code users}, in their order: from {@code fresh} where it names the user, else as kept. */
    synchronized List<String> devicesOf(List<String> users, Map<String, List<String>> fresh) {
        List<String> devices = new ArrayList<>();
        for (String user : users) {
            List<String> known = fresh.get(user);
            if (known == null) {
                Entry entry = byUser.get(user);
                known = entry == null ? List.of() : entry.devices();
            }
            devices.addAll(known);
        }
        return devices;
    }

    /** Whether a fresh list of {@code user} is kept (tests, metrics). */
    synchronized boolean knows(String user) {
        return missing(List.of(user)).isEmpty();
    }

    synchronized void forget(String user) {
        byUser.remove(user);
    }

    synchronized void forgetAll() {
        byUser.clear();
    }
}
