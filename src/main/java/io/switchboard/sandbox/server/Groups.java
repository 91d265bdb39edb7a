package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * WhatsApp's groups (MEDIA-GROUPS §5, §7.3): their state, the {@code w:g2} IQs with WhatsApp's
 * error codes, and a {@code w:gp2} notification to every member device after each change (the
 * member who was added gets {@code <create>}, the others the change itself). Group messages are
 * fanned out by {@link GroupRelay}. One lock (this object) guards all groups.
 */
public final class Groups {

    private static final System.Logger LOG = System.getLogger(Groups.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String SERVER = "@g.us";
    static final int MAX_SUBJECT = 100;

    /** One group. Members by phone number, in the order they joined; the role is "", "admin" or "superadmin". */
    static final class Group {
        final String id;
        final long creation;
        final String creator;
        final Map<String, String> members = new LinkedHashMap<>();
        String subject;
        long subjectTime;
        String subjectOwner;
        String descriptionId;
        String description;
        long descriptionTime;
        String descriptionOwner;
        boolean announcement;
        boolean locked;
        boolean lid;
        String invite;

        Group(String id, long creation, String creator) {
            this.id = id;
            this.creation = creation;
            this.creator = creator;
        }

        String jid() {
            return id + SERVER;
        }

        boolean admin(String phone) {
            return !members.getOrDefault(phone, "").isEmpty();
        }
    }

    /** A {@code w:g2} request that WhatsApp refuses: the iq error's code and text. */
    private static final class Refused extends Exception {
        final int code;

        Refused(int code, String text) {
            super(text, null, false, false);
            this.code = code;
        }
    }

    private final SandboxServer server;
    private final Map<String, Group> groups = new HashMap<>();
    private final Map<String, String> revokedInvites = new HashMap<>();

    Groups(SandboxServer server) {
        this.server = server;
    }

    // ---- read by the fan-out and the admin API ---------------------------------------------------

    /** A copy of the group's members (phone → role) and its addressing, or empty when there is no such group. */
    synchronized Optional<Snapshot> snapshot(String groupJid) {
        Group group = groups.get(user(groupJid));
        return group == null ? Optional.empty() : Optional.of(new Snapshot(group.jid(), new LinkedHashMap<>(group.members),
                group.lid, group.announcement));
    }

    /** What a fan-out needs to know about a group at one moment. */
    record Snapshot(String jid, Map<String, String> members, boolean lid, boolean announcement) {
    }

    /** The admin call: switches {@code groupJid} to LID (or back to phone-number) addressing; false when unknown. */
    public synchronized boolean address(String groupJid, boolean lid) {
        Group group = groups.get(user(groupJid));
        if (group == null) {
            return false;
        }
        group.lid = lid;
        LOG.log(System.Logger.Level.INFO, "sandbox: group {0} now uses {1} addressing", group.jid(), lid ? "LID" : "phone-number");
        return true;
    }

    /** A group as the admin API shows it: members by phone with their role ("", admin, superadmin), in joining order. */
    public record View(String id, String subject, boolean lid, Map<String, String> members) {
    }

    /** The groups {@code phone} is in. */
    public synchronized List<View> of(String phone) {
        List<View> found = new ArrayList<>();
        for (Group group : groups.values()) {
            if (group.members.containsKey(phone)) {
                found.add(new View(group.jid(), group.subject, group.lid, new LinkedHashMap<>(group.members)));
            }
        }
        return found;
    }

    // ---- w:g2 ---------------------------------------------------------------------------------

    /** Answers one {@code w:g2} iq from {@code actorDevice} (a device jid of {@code actor}'s account). */
    Node iq(String actor, String actorDevice, Node iq) {
        List<Runnable> after = new ArrayList<>();
        Node answer;
        synchronized (this) {
            try {
                answer = answer(actor, actorDevice, iq, after);
            } catch (Refused e) {
                answer = Stanzas.error(iq, e.code, e.getMessage());
            }
        }
        after.forEach(Runnable::run);
        return answer;
    }

    private Node answer(String actor, String actorDevice, Node iq, List<Runnable> after) throws Refused {
        String type = iq.attribute("type").orElse("");
        String to = iq.attribute("to").orElse("");
        Node child = iq.children().isEmpty() ? null : iq.children().get(0);
        if (child == null) {
            throw new Refused(400, "bad-request");
        }
        long now = server.now().getEpochSecond();
        if (SERVER.substring(1).equals(to) || to.equals(SERVER)) {
            return switch (type + "/" + child.tag()) {
                case "set/create" -> create(actor, iq, child, now, after);
                case "get/participating" -> Stanzas.result(iq, List.of(Node.withChildren("groups", Stanzas.attrs(), groups.values()
                        .stream().filter(g -> g.members.containsKey(actor)).map(g -> render(g, "group")).toList())));
                case "get/invite" -> Stanzas.result(iq, List.of(render(byInvite(child), "group")));
                case "set/invite" -> join(actor, iq, child, now, after);
                case "set/leave" -> leave(actor, iq, child, now, after);
                default -> throw new Refused(501, "feature-not-implemented");
            };
        }
        Group group = groups.get(user(to));
        if (group == null || !to.endsWith(SERVER)) {
            throw new Refused(404, "item-not-found");
        }
        if (!group.members.containsKey(actor)) {
            throw new Refused(403, "forbidden");
        }
        switch (type + "/" + child.tag()) {
            case "get/query":
                server.observations().groupQueried(group.jid());
                return Stanzas.result(iq, List.of(render(group, "group")));
            case "set/add":
            case "set/remove":
            case "set/promote":
            case "set/demote":
                return participants(actor, group, iq, child, now, after);
            case "set/subject":
                return subject(actor, group, iq, child, now, after);
            case "set/description":
                return description(actor, group, iq, child, now, after);
            case "set/announcement":
            case "set/not_announcement":
            case "set/locked":
            case "set/unlocked":
                requireAdmin(group, actor);
                switch (child.tag()) {
                    case "announcement" -> group.announcement = true;
                    case "not_announcement" -> group.announcement = false;
                    case "locked" -> group.locked = true;
                    default -> group.locked = false;
                }
                notifyAll(group, actor, Node.of(child.tag()), now, after);
                return Stanzas.result(iq, List.of());
            case "get/invite":
            case "set/invite":
                requireAdmin(group, actor);
                if ("set".equals(type) || group.invite == null) {
                    if (group.invite != null) {
                        revokedInvites.put(group.invite, group.id);
                    }
                    group.invite = inviteCode();
                }
                return Stanzas.result(iq, List.of(Node.of("invite", Stanzas.attrs("code", group.invite))));
            default:
                throw new Refused(501, "feature-not-implemented");
        }
    }

    private Node create(String actor, Node iq, Node create, long now, List<Runnable> after) throws Refused {
        String subject = create.attribute("subject").orElse("").strip();
        if (subject.isEmpty() || subject.codePointCount(0, subject.length()) > MAX_SUBJECT) {
            throw new Refused(406, "not-acceptable");
        }
        String id;
        do {
            id = "120363" + String.format("%012d", (RANDOM.nextLong() & Long.MAX_VALUE) % 1_000_000_000_000L);
        } while (groups.containsKey(id));
        Group group = new Group(id, now, actor);
        group.subject = subject;
        group.subjectTime = now;
        group.subjectOwner = actor;
        group.members.put(actor, "superadmin");
        Map<String, String> failed = new LinkedHashMap<>();
        for (Node participant : create.children()) {
            if (!"participant".equals(participant.tag())) {
                continue;
            }
            String phone = server.phoneOf(participant.attribute("jid").orElse(""));
            if (phone.isEmpty() || server.existingAccount(phone) == null) {
                failed.put(participant.attribute("jid").orElse(""), "404");
            } else {
                group.members.putIfAbsent(phone, "");
            }
        }
        groups.put(id, group);
        String key = create.attribute("key").orElse("");
        Node created = Node.withChildren("create", key.isEmpty() ? Stanzas.attrs("type", "new") : Stanzas.attrs("type", "new", "key", key),
                List.of(render(group, "group")));
        notifyAll(group, actor, created, now, after);
        Node rendered = render(group, "group");
        if (!failed.isEmpty()) {
            List<Node> children = new ArrayList<>(rendered.children());
            failed.forEach((jid, code) -> children.add(Node.of("participant", Stanzas.attrs("jid", jid, "error", code))));
            rendered = Node.withChildren("group", rendered.attributes(), children);
        }
        return Stanzas.result(iq, List.of(rendered));
    }

    /** add / remove / promote / demote: admins only; a result per participant (200, 404 not on WhatsApp or not a member, 409). */
    private Node participants(String actor, Group group, Node iq, Node change, long now, List<Runnable> after) throws Refused {
        requireAdmin(group, actor);
        String action = change.tag();
        List<Node> results = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (Node participant : change.children()) {
            String jid = participant.attribute("jid").orElse("");
            String phone = server.phoneOf(jid);
            String error = phone.isEmpty() || server.existingAccount(phone) == null ? "404"
                    : "add".equals(action) ? (group.members.containsKey(phone) ? "409" : null)
                    : !group.members.containsKey(phone) ? "404"
                    : "superadmin".equals(group.members.get(phone)) && !"promote".equals(action) ? "401" : null;
            if (error == null && changed.contains(phone)) {
                error = "409";
            }
            results.add(Node.of("participant", error == null ? Stanzas.attrs("jid", jid) : Stanzas.attrs("jid", jid, "error", error)));
            if (error == null) {
                changed.add(phone);
            }
        }
        List<String> before = new ArrayList<>(group.members.keySet());
        for (String phone : changed) {
            switch (action) {
                case "add" -> group.members.put(phone, "");
                case "remove" -> group.members.remove(phone);
                case "promote" -> group.members.put(phone, "admin");
                default -> group.members.put(phone, "");
            }
        }
        if (!changed.isEmpty()) {
            Node notice = Node.withChildren(action, Stanzas.attrs(), changed.stream().map(phone -> participantNode(group, phone, null)).toList());
            if ("add".equals(action)) {
                // The added members learn the whole group; the others, who was added.
                notify(group, before, actor, notice, now, after);
                notify(group, changed, actor, Node.withChildren("create", Stanzas.attrs("reason", "add"), List.of(render(group, "group"))),
                        now, after);
            } else {
                notify(group, before, actor, notice, now, after);
            }
        }
        dropIfEmpty(group);
        return Stanzas.result(iq, List.of(Node.withChildren(action, Stanzas.attrs(), results)));
    }

    private Node subject(String actor, Group group, Node iq, Node subject, long now, List<Runnable> after) throws Refused {
        if (group.locked) {
            requireAdmin(group, actor);
        }
        String text = subject.text().orElse("").strip();
        if (text.isEmpty() || text.codePointCount(0, text.length()) > MAX_SUBJECT) {
            throw new Refused(406, "not-acceptable");
        }
        group.subject = text;
        group.subjectTime = now;
        group.subjectOwner = actor;
        notifyAll(group, actor, Node.of("subject", Stanzas.attrs("subject", text, "s_t", String.valueOf(now),
                "s_o", memberJid(group, actor))), now, after);
        return Stanzas.result(iq, List.of());
    }

    private Node description(String actor, Group group, Node iq, Node description, long now, List<Runnable> after) throws Refused {
        if (group.locked) {
            requireAdmin(group, actor);
        }
        String newId = description.attribute("id").orElse("");
        String prev = description.attribute("prev").orElse(null);
        if (newId.isEmpty() || (prev != null && !prev.equals(group.descriptionId))) {
            throw new Refused(409, "conflict");
        }
        boolean delete = "true".equals(description.attribute("delete").orElse(""));
        String body = description.child("body").flatMap(Node::text).orElse(null);
        if (!delete && (body == null || body.length() > 2048)) {
            throw new Refused(406, "not-acceptable");
        }
        group.descriptionId = newId;
        group.description = delete ? null : body;
        group.descriptionTime = now;
        group.descriptionOwner = actor;
        Node change = delete ? Node.withChildren("description", Stanzas.attrs("id", newId), List.of(Node.of("delete")))
                : Node.withChildren("description", Stanzas.attrs("id", newId), List.of(Stanzas.text("body", body)));
        notifyAll(group, actor, change, now, after);
        return Stanzas.result(iq, List.of());
    }

    private Node join(String actor, Node iq, Node invite, long now, List<Runnable> after) throws Refused {
        Group group = byInvite(invite);
        if (group.members.containsKey(actor)) {
            throw new Refused(304, "not-modified");
        }
        List<String> before = new ArrayList<>(group.members.keySet());
        group.members.put(actor, "");
        notify(group, before, actor, Node.withChildren("add", Stanzas.attrs("reason", "invite"), List.of(participantNode(group, actor, null))),
                now, after);
        notify(group, List.of(actor), actor, Node.withChildren("create", Stanzas.attrs("reason", "invite"), List.of(render(group, "group"))),
                now, after);
        return Stanzas.result(iq, List.of(Node.of("group", Stanzas.attrs("jid", group.jid()))));
    }

    private Group byInvite(Node invite) throws Refused {
        String code = invite.attribute("code").orElse("");
        for (Group group : groups.values()) {
            if (code.equals(group.invite)) {
                return group;
            }
        }
        throw revokedInvites.containsKey(code) ? new Refused(410, "gone") : new Refused(404, "item-not-found");
    }

    private Node leave(String actor, Node iq, Node leave, long now, List<Runnable> after) throws Refused {
        List<Node> left = new ArrayList<>();
        for (Node named : leave.children()) {
            Group group = groups.get(user(named.attribute("id").orElse("")));
            if (group == null || !group.members.containsKey(actor)) {
                throw new Refused(404, "item-not-found");
            }
            List<String> before = new ArrayList<>(group.members.keySet());
            group.members.remove(actor);
            if (!group.members.isEmpty() && group.members.values().stream().allMatch(String::isEmpty)) {
                // WhatsApp never leaves a group without an admin: the longest-standing member becomes one.
                group.members.put(group.members.keySet().iterator().next(), "admin");
            }
            notify(group, before, actor, Node.withChildren("remove", Stanzas.attrs("reason", "leave"),
                    List.of(participantNode(group, actor, null))), now, after);
            dropIfEmpty(group);
            left.add(Node.of("group", Stanzas.attrs("id", group.jid())));
        }
        if (left.isEmpty()) {
            throw new Refused(400, "bad-request");
        }
        return Stanzas.result(iq, List.of(Node.withChildren("leave", Stanzas.attrs(), left)));
    }

    private void dropIfEmpty(Group group) {
        if (group.members.isEmpty()) {
            groups.remove(group.id);
        }
    }

    private static void requireAdmin(Group group, String actor) throws Refused {
        if (!group.admin(actor)) {
            throw new Refused(401, "not-authorized");
        }
    }

    // ---- rendering ----------------------------------------------------------------------------

    /** The group as the metadata query answers it. */
    Node render(Group group, String tag) {
        Map<String, String> attrs = Stanzas.attrs("id", group.id, "subject", group.subject, "s_t", String.valueOf(group.subjectTime),
                "s_o", memberJid(group, group.subjectOwner), "creation", String.valueOf(group.creation),
                "creator", memberJid(group, group.creator), "size", String.valueOf(group.members.size()));
        if (group.lid) {
            attrs.put("addressing_mode", "lid");
            attrs.put("creator_pn", group.creator + Stanzas.SERVER);
            attrs.put("s_o_pn", group.subjectOwner + Stanzas.SERVER);
        } else {
            attrs.put("addressing_mode", "pn");
        }
        List<Node> children = new ArrayList<>();
        group.members.forEach((phone, role) -> children.add(participantNode(group, phone, role)));
        if (group.description != null) {
            children.add(Node.withChildren("description", Stanzas.attrs("id", group.descriptionId, "participant",
                    memberJid(group, group.descriptionOwner), "t", String.valueOf(group.descriptionTime)),
                    List.of(Stanzas.text("body", group.description))));
        }
        if (group.announcement) {
            children.add(Node.of("announcement"));
        }
        if (group.locked) {
            children.add(Node.of("locked"));
        }
        return Node.withChildren(tag, attrs, children);
    }

    private Node participantNode(Group group, String phone, String role) {
        Account account = server.existingAccount(phone);
        Map<String, String> attrs = Stanzas.attrs("jid", memberJid(group, phone));
        if (account != null) {
            attrs.put(group.lid ? "phone_number" : "lid", group.lid ? phone + Stanzas.SERVER : account.lidUser + "@lid");
        }
        if (role != null && !role.isEmpty()) {
            attrs.put("type", role);
        }
        return Node.of("participant", attrs);
    }

    /** {@code phone}'s account as the group names it: its LID in a LID group, else its phone-number jid. */
    String memberJid(Group group, String phone) {
        return memberJid(group.lid, phone);
    }

    String memberJid(boolean lid, String phone) {
        Account account = server.existingAccount(phone);
        return lid && account != null ? account.lidUser + "@lid" : phone + Stanzas.SERVER;
    }

    /** A device as the group names it: {@code lid:n@lid} or {@code phone:n@s.whatsapp.net}, device 0 without the suffix. */
    String deviceJid(boolean lid, String deviceJid) {
        String pn = server.deviceJidOf(deviceJid);
        String phone = server.phoneOf(pn);
        String device = pn.substring(pn.indexOf(':') + 1, pn.indexOf('@'));
        String user = lid ? memberJid(true, phone) : phone + Stanzas.SERVER;
        return "0".equals(device) ? user : user.replace("@", ":" + device + "@");
    }

    // ---- notifications ------------------------------------------------------------------------

    private void notifyAll(Group group, String actor, Node change, long now, List<Runnable> after) {
        notify(group, new ArrayList<>(group.members.keySet()), actor, change, now, after);
    }

    /** One {@code w:gp2} notification with {@code change} for every device of {@code phones}, sent once the lock is released. */
    private void notify(Group group, List<String> phones, String actor, Node change, long now, List<Runnable> after) {
        Map<String, String> attrs = Stanzas.attrs("from", group.jid(), "type", "w:gp2", "id", PhoneParty.newMessageId(),
                "t", String.valueOf(now), "participant", memberJid(group, actor), "addressing_mode", group.lid ? "lid" : "pn");
        if (group.lid) {
            attrs.put("participant_pn", actor + Stanzas.SERVER);
        }
        Node notification = Node.withChildren("notification", attrs, List.of(change));
        List<String> targets = new ArrayList<>();
        for (String phone : phones) {
            server.devicesOf(phone).forEach(device -> targets.add(device.deviceJid()));
        }
        after.add(() -> targets.forEach(device -> server.router().deliver(device, notification)));
    }

    private static String inviteCode() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder code = new StringBuilder();
        for (int i = 0; i < 22; i++) {
            code.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return code.toString();
    }

    private static String user(String jid) {
        return jid.contains("@") ? jid.substring(0, jid.indexOf('@')) : jid;
    }
}
