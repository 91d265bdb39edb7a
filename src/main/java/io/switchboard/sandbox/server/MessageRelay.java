package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * WhatsApp's relay of 1:1 messages and receipts for one logged-in device. A message comes as a
 * fan-out ({@code <participants><to jid><enc>}, one per device) and/or, for a resend after a
 * retry receipt and for peer messages to the own phone, as one {@code <enc>} for the device in
 * {@code to}. Each {@code <enc>} goes to its device from the sender's device; anything addressed
 * wrongly is refused with an error ack and reaches nobody.
 */
final class MessageRelay {

    private static final System.Logger LOG = System.getLogger(MessageRelay.class.getName());
    private final SandboxConnection connection;
    private final SandboxServer server;

    MessageRelay(SandboxConnection connection, SandboxServer server) {
        this.connection = connection;
        this.server = server;
    }

    void message(Node message) {
        String id = message.attribute("id").orElse("");
        String to = message.attribute("to").orElse("");
        if (to.endsWith(Groups.SERVER)) {
            connection.send(server.groupRelay().message(connection.device.deviceJid(), message));
            return;
        }
        String toPhone = server.phoneOf(to);
        String senderPhone = connection.device.phone();
        String sender = connection.device.deviceJid();
        long t = server.now().getEpochSecond();
        Node deviceIdentity = message.child("device-identity").orElse(null);
        Node participants = message.child("participants").orElse(null);
        Node direct = message.child("enc").orElse(null);
        List<Node> targets = new ArrayList<>();
        if (direct != null) {
            // One <enc> for the device in "to" (a resend, or a peer message to the own phone). Baileys 7's
            // resend also lists that device under <participants> with a second encryption: the direct one wins.
            targets.add(Node.withChildren("to", Stanzas.attrs("jid", to), List.of(direct)));
        }
        if (participants != null) {
            String only = direct == null ? null : server.deviceJidOf(to);
            participants.children().stream().filter(target -> only == null
                    || !only.equals(server.deviceJidOf(target.attribute("jid").orElse("")))).forEach(targets::add);
        }
        if (id.isEmpty() || toPhone.isEmpty() || targets.isEmpty()) {
            refuse(id, to, "a message needs an id, a known recipient in to, and either <participants> or one <enc>; got "
                    + message.attributes() + " " + message.children().stream().map(Node::tag).toList());
            return;
        }
        Map<String, Node> deliveries = new LinkedHashMap<>();
        for (Node target : targets) {
            String jid = target.attribute("jid").orElse("");
            Node enc = target.child("enc").orElse(null);
            String phone = server.phoneOf(jid);
            String device = server.deviceJidOf(jid);
            boolean known = phone.equals(senderPhone) || phone.equals(toPhone);
            boolean typed = enc != null && ("pkmsg".equals(enc.attribute("type").orElse(""))
                    || "msg".equals(enc.attribute("type").orElse("")));
            String problem = !"to".equals(target.tag()) ? "<participants> holds <" + target.tag() + ">"
                    : !typed || enc.bytes().isEmpty() ? "no <enc type=pkmsg|msg> with bytes for " + jid
                    : !known ? jid + " is neither the recipient's nor the sender's device"
                    : device.equals(sender) ? "a device cannot send to itself"
                    : !server.keys().has(device) ? jid + " published no keys (not a device)"
                    : deliveries.containsKey(device) ? jid + " named twice" : null;
            if (problem != null) {
                refuse(id, to, problem);
                return;
            }
            Map<String, String> attrs = Stanzas.attrs("from", sender, "id", id, "t", String.valueOf(t),
                    "type", message.attribute("type").orElse("text"), "notify", "~");
            Account account = server.existingAccount(senderPhone);
            if (account != null) {
                attrs.put("sender_lid", account.lidUser + "@lid");
            }
            if (phone.equals(senderPhone)) {
                attrs.put("recipient", message.attribute("recipient").orElse(to));
            }
            List<Node> children = new ArrayList<>(List.of(enc));
            if (deviceIdentity != null && "pkmsg".equals(enc.attribute("type").orElse(""))) {
                children.add(deviceIdentity);
            }
            deliveries.put(device, Node.withChildren("message", attrs, children));
        }
        server.peers(senderPhone, toPhone);
        if (direct == null && !toPhone.equals(senderPhone)) {
            // A first send (not a resend to one device): it must reach every device the recipient has.
            List<String> expected = new ArrayList<>(server.settledDevicesOf(toPhone));
            expected.add(LinkedDevice.deviceJid(toPhone, 0));
            if (!deliveries.keySet().containsAll(expected)) {
                server.observations().missingDevices.incrementAndGet();
                LOG.log(System.Logger.Level.INFO, "sandbox: message {0} from {1} left out devices of {2}: {3} not in {4}", id, sender,
                        toPhone, expected, deliveries.keySet());
            }
        }
        server.router().rememberSender(id, sender);
        deliveries.forEach(server.router()::deliver);
        connection.send(Node.of("ack", Stanzas.attrs("id", id, "class", "message", "from", to, "t", String.valueOf(t))));
    }

    private void refuse(String id, String to, String why) {
        LOG.log(System.Logger.Level.INFO, "sandbox: refused message {0} from {1} to {2}: {3}", id, connection.device.deviceJid(),
                to, why);
        connection.send(Node.of("ack", Stanzas.attrs("id", id, "class", "message", "from", to, "error", "400")));
    }

    /**
     * A media retry: addressed to the asking device's own account (no device), it goes to that
     * account's phone, which answers with a {@code mediaretry} notification for the asking device.
     */
    private void mediaRetry(Node receipt) {
        String id = receipt.attribute("id").orElse("");
        String to = receipt.attribute("to").orElse("");
        String own = connection.device.phone() + Stanzas.SERVER;
        Account account = server.existingAccount(connection.device.phone());
        if (id.isEmpty() || !own.equals(to) || account == null) {
            LOG.log(System.Logger.Level.INFO, "sandbox: refused media retry {0} from {1}: it must name a message and go to {2},"
                    + " not {3}", id, connection.device.deviceJid(), own, to);
            server.observations().mediaRetryRefused();
            return;
        }
        List<String> problems = new ArrayList<>();
        Node answer = account.party.answerMediaRetry(receipt, server.media(), server.now().getEpochSecond(), server::phoneOf, problems);
        if (!problems.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "sandbox: media retry {0} from {1}: {2}", id, connection.device.deviceJid(), problems);
            server.observations().mediaRetryRefused();
        }
        server.router().deliver(connection.device.deviceJid(), answer);
    }

    /**
     * A receipt goes back to the device that sent the message, from the device that received it;
     * a retry receipt keeps its children (count, registration, keys) for the sender to act on.
     */
    void receipt(Node receipt) {
        List<String> ids = new ArrayList<>();
        receipt.attribute("id").ifPresent(ids::add);
        receipt.child("list").ifPresent(list -> list.children().forEach(item -> item.attribute("id").ifPresent(ids::add)));
        String type = receipt.attribute("type").orElse("");
        if ("server-error".equals(type)) {
            mediaRetry(receipt);
            return;
        }
        if ("sender".equals(type) || ids.isEmpty()) {
            // Our own device confirming a copy: nothing for the original sender to learn.
            return;
        }
        if ("retry".equals(type) && (receipt.child("retry").isEmpty() || receipt.child("registration").flatMap(Node::bytes)
                .map(b -> b.length != 4).orElse(true))) {
            return;
        }
        if (receipt.attribute("to").orElse("").endsWith(Groups.SERVER)) {
            server.groupRelay().receipt(connection.device.deviceJid(), receipt, ids, type);
            return;
        }
        // Each message's sender hears about its own message (a read receipt may name several, from several devices).
        for (String id : ids) {
            String sender = server.router().senderOf(id);
            if (sender == null) {
                continue;
            }
            Map<String, String> attrs = Stanzas.attrs("from", connection.device.deviceJid(), "id", id,
                    "t", String.valueOf(server.now().getEpochSecond()));
            // "inactive" (delivered to a device not marked online) reaches the sender as a plain delivery receipt.
            if (!type.isEmpty() && !"inactive".equals(type)) {
                attrs.put("type", type);
            }
            List<Node> children = "retry".equals(type) ? receipt.children() : List.of();
            server.router().deliver(sender, children.isEmpty() ? Node.of("receipt", attrs) : Node.withChildren("receipt", attrs, children));
        }
    }
}
