package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * WhatsApp's fan-out of a group message (MEDIA-GROUPS §5.4): the shared {@code skmsg} goes to
 * every current member device but the sending one (the sender's other devices included), each
 * preceded by the pairwise {@code <enc>} the sender addressed to that device, if any; a
 * {@code participant} attribute limits the delivery to that one device (a resend after a retry).
 * Receipts go back to the sender naming the group and the device that sent them. Anything wrong
 * is refused with an error ack and reaches nobody.
 */
final class GroupRelay {

    private static final System.Logger LOG = System.getLogger(GroupRelay.class.getName());
    private final SandboxServer server;

    GroupRelay(SandboxServer server) {
        this.server = server;
    }

    /** A group message from {@code sender} (a device jid); the answer is the ack for the sender. */
    Node message(String sender, Node message) {
        String id = message.attribute("id").orElse("");
        String to = message.attribute("to").orElse("");
        String senderPhone = server.phoneOf(sender);
        long t = server.now().getEpochSecond();
        Groups.Snapshot group = server.groups().snapshot(to).orElse(null);
        if (group == null) {
            return refuse(id, to, sender, "404", "no such group");
        }
        if (!group.members().containsKey(senderPhone)) {
            return refuse(id, to, sender, "403", "the sender is not a member");
        }
        if (group.announcement() && group.members().get(senderPhone).isEmpty()) {
            return refuse(id, to, sender, "403", "only admins may send to this group");
        }
        Node skmsg = message.children().stream().filter(child -> "enc".equals(child.tag())
                && "skmsg".equals(child.attribute("type").orElse(""))).findFirst().orElse(null);
        // A resend for one device (Baileys 7 answers a retry so) may carry the whole message in one pairwise <enc>.
        Node direct = message.children().stream().filter(child -> "enc".equals(child.tag())
                && List.of("pkmsg", "msg").contains(child.attribute("type").orElse(""))).findFirst().orElse(null);
        boolean targeted = message.attribute("participant").isPresent();
        if (id.isEmpty() || (skmsg == null && !(targeted && direct != null))
                || (skmsg != null && skmsg.bytes().map(b -> b.length < 10).orElse(true))) {
            return refuse(id, to, sender, "400", "a group message needs an id and one <enc type=skmsg> with bytes (or, for one"
                    + " device named in participant, its own <enc>)");
        }
        // Every device of every member (phones and linked companions with keys), in the group's order.
        List<String> memberDevices = new ArrayList<>();
        for (String phone : group.members().keySet()) {
            memberDevices.add(LinkedDevice.deviceJid(phone, 0));
            server.devicesOf(phone).stream().map(LinkedDevice::deviceJid).filter(server.keys()::has).forEach(memberDevices::add);
        }
        Map<String, Node> pairwise = new LinkedHashMap<>();
        for (Node target : message.child("participants").map(Node::children).orElse(List.of())) {
            String device = server.deviceJidOf(target.attribute("jid").orElse(""));
            Node enc = target.child("enc").orElse(null);
            String type = enc == null ? "" : enc.attribute("type").orElse("");
            if (device.equals(sender)) {
                // Baileys 7 lists its own device under its LID in a LID-addressed group; WhatsApp delivers nothing back to it.
                LOG.log(System.Logger.Level.DEBUG, "sandbox: group message {0} names its own sending device; skipped", id);
                continue;
            }
            String problem = !"to".equals(target.tag()) ? "<participants> holds <" + target.tag() + ">"
                    : !("pkmsg".equals(type) || "msg".equals(type)) || enc.bytes().isEmpty() ? "no <enc type=pkmsg|msg> for " + device
                    : !memberDevices.contains(device) ? device + " is not a member device"
                    : pairwise.containsKey(device) ? device + " named twice" : null;
            if (problem != null) {
                return refuse(id, to, sender, "400", problem);
            }
            pairwise.put(device, enc);
        }
        String only = message.attribute("participant").map(server::deviceJidOf).orElse(null);
        if (only != null && !memberDevices.contains(only)) {
            return refuse(id, to, sender, "400", only + " is not a member device");
        }
        if (only != null && direct != null && !pairwise.containsKey(only)) {
            pairwise.put(only, direct);
        }
        Node deviceIdentity = message.child("device-identity").orElse(null);
        Map<String, String> attrs = Stanzas.attrs("from", group.jid(), "participant", server.groups().deviceJid(group.lid(), sender),
                "id", id, "t", String.valueOf(t), "type", message.attribute("type").orElse("text"), "notify", "~",
                "addressing_mode", group.lid() ? "lid" : "pn");
        attrs.put(group.lid() ? "participant_pn" : "participant_lid", server.groups().deviceJid(!group.lid(), sender));
        server.router().rememberSender(id, sender);
        for (String device : memberDevices) {
            if (device.equals(sender) || (only != null && !only.equals(device))) {
                continue;
            }
            List<Node> children = new ArrayList<>();
            Node enc = pairwise.get(device);
            if (enc != null) {
                children.add(enc);
            }
            if (skmsg != null) {
                children.add(skmsg);
            }
            if (deviceIdentity != null && enc != null && "pkmsg".equals(enc.attribute("type").orElse(""))) {
                children.add(deviceIdentity);
            }
            server.router().deliver(device, Node.withChildren("message", attrs, children));
        }
        return Node.of("ack", Stanzas.attrs("id", id, "class", "message", "from", group.jid(), "t", String.valueOf(t)));
    }

    private Node refuse(String id, String to, String sender, String code, String why) {
        LOG.log(System.Logger.Level.INFO, "sandbox: refused group message {0} from {1} to {2}: {3}", id, sender, to, why);
        return Node.of("ack", Stanzas.attrs("id", id, "class", "message", "from", to, "error", code));
    }

    /**
     * A receipt for group messages from {@code device}: each message's sender hears it as
     * {@code <receipt from="G" participant="<device>">}; a retry keeps its children.
     */
    void receipt(String device, Node receipt, List<String> ids, String type) {
        if ("sender".equals(type)) {
            // A device of the sender's own account confirming its copy: nothing for the sender to learn.
            return;
        }
        String to = receipt.attribute("to").orElse("");
        boolean lid = server.groups().snapshot(to).map(Groups.Snapshot::lid).orElse(false);
        for (String id : ids) {
            String sender = server.router().senderOf(id);
            if (sender == null || sender.equals(server.deviceJidOf(device))) {
                continue;
            }
            Map<String, String> attrs = Stanzas.attrs("from", to, "participant", server.groups().deviceJid(lid, device), "id", id,
                    "t", String.valueOf(server.now().getEpochSecond()));
            if (!type.isEmpty() && !"inactive".equals(type)) {
                attrs.put("type", type);
            }
            List<Node> children = "retry".equals(type) ? receipt.children() : List.of();
            server.router().deliver(sender, children.isEmpty() ? Node.of("receipt", attrs) : Node.withChildren("receipt", attrs, children));
        }
    }
}
