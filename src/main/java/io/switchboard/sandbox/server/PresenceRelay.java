package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * WhatsApp's presence relay: an account is online while one of its devices said {@code available};
 * devices that subscribed to it hear each change (and its last-seen time when it goes offline), and
 * the current state at once when they subscribe. Chat states ({@code composing}, {@code paused})
 * reach the connected devices of the chat's other side, never queued: typing is only news now.
 */
final class PresenceRelay {

    private record State(boolean available, Instant lastSeen) {
    }

    private final SandboxServer server;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> subscribers = new ConcurrentHashMap<>();

    PresenceRelay(SandboxServer server) {
        this.server = server;
    }

    /** {@code <presence type="available|unavailable|subscribe" [to]>} from {@code device} of {@code phone}. */
    void presence(String phone, String device, Node presence) {
        String type = presence.attribute("type").orElse("available");
        if ("subscribe".equals(type)) {
            String watched = server.phoneOf(presence.attribute("to").orElse(""));
            if (watched.isEmpty() || server.existingAccount(watched) == null) {
                return;
            }
            subscribers.computeIfAbsent(watched, k -> ConcurrentHashMap.newKeySet()).add(device);
            sendIfOnline(device, presenceOf(watched));
            return;
        }
        if (!"available".equals(type) && !"unavailable".equals(type)) {
            return;
        }
        State before = states.get(phone);
        State now = "available".equals(type) ? new State(true, null) : new State(false, server.now());
        states.put(phone, now);
        if (before == null || before.available() != now.available()) {
            Node news = presenceOf(phone);
            subscribers.getOrDefault(phone, Set.of()).forEach(subscriber -> sendIfOnline(subscriber, news));
        }
    }

    /** {@code <chatstate to><composing/>|<paused/></chatstate>} from a device of {@code phone}: to the other side's devices online. */
    void chatstate(String phone, Node chatstate) {
        String to = server.phoneOf(chatstate.attribute("to").orElse(""));
        Node inner = chatstate.children().isEmpty() ? null : chatstate.children().get(0);
        if (to.isEmpty() || to.equals(phone) || inner == null || !List.of("composing", "paused").contains(inner.tag())
                || server.existingAccount(to) == null) {
            return;
        }
        Node relayed = Node.withChildren("chatstate", Stanzas.attrs("from", phone + Stanzas.SERVER), List.of(inner));
        server.devicesOf(to).forEach(linked -> sendIfOnline(linked.deviceJid(), relayed));
    }

    private Node presenceOf(String phone) {
        State state = states.getOrDefault(phone, new State(false, null));
        Map<String, String> attrs = Stanzas.attrs("from", phone + Stanzas.SERVER, "type", state.available() ? "available" : "unavailable");
        if (!state.available() && state.lastSeen() != null) {
            attrs.put("last", String.valueOf(state.lastSeen().getEpochSecond()));
        }
        return Node.of("presence", attrs);
    }

    private void sendIfOnline(String deviceJid, Node node) {
        SandboxConnection connection = server.online.get(deviceJid);
        if (connection != null) {
            connection.run(() -> {
                if (connection.state() == SandboxConnection.State.CONNECTED) {
                    connection.send(node);
                }
            });
        }
    }
}
