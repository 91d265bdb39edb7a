package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Groups on the wire (MEDIA-GROUPS §5.1–5.4): the {@code w:g2} IQs we ask, the {@code <group>}
 * WhatsApp answers read as a {@link GroupInfo}, {@code w:gp2} notifications read as a
 * {@link GroupChange}, and the participant hash of a group message.
 */
public final class GroupStanzas {

    public static final String SERVER = "@g.us";

    private GroupStanzas() {
    }

    /** A member: phone digits (null when WhatsApp named only a LID we cannot map), LID user (or null), role. */
    public record Participant(String phone, String lid, String role) {

        public boolean admin() {
            return "admin".equals(role) || "superadmin".equals(role);
        }
    }

    /** A group as its metadata says it. {@code addressingMode} is {@code lid} or {@code pn}. */
    public record GroupInfo(String jid, String subject, String subjectOwner, Instant subjectAt, Instant createdAt,
            String creator, String description, boolean announcement, boolean locked, String addressingMode,
            List<Participant> participants) {

        public boolean lid() {
            return "lid".equals(addressingMode);
        }
    }

    /**
     * One change a {@code w:gp2} notification reports: {@code action} is {@code created}, {@code add},
     * {@code remove}, {@code promote}, {@code demote}, {@code subject}, {@code description},
     * {@code announcement}, {@code not_announcement}, {@code locked}, {@code unlocked}, {@code invite}
     * or another child's tag; {@code actor} the phone (or LID user) who made it; {@code participants}
     * whom it names; {@code group} the new metadata for {@code created}; {@code value} a new subject or description.
     */
    public record GroupChange(String id, String groupJid, String action, String actor, List<Participant> participants,
            GroupInfo group, String value, String reason, String addressingMode, Instant at) {
    }

    // ---- requests -------------------------------------------------------------------------------

    static Node create(String id, String subject, List<String> phones, String key) {
        List<Node> participants = new ArrayList<>();
        for (String phone : phones) {
            participants.add(Node.of("participant", Stanza.attrs("jid", phone + Stanza.SERVER)));
        }
        return iq(id, "set", "g.us", Node.withChildren("create", Stanza.attrs("subject", subject, "key", key), participants));
    }

    static Node query(String id, String groupJid) {
        return iq(id, "get", groupJid, Node.of("query", Stanza.attrs("request", "interactive")));
    }

    static Node participating(String id) {
        return iq(id, "get", "g.us", Node.withChildren("participating", Stanza.attrs(), List.of(Node.of("participants"),
                Node.of("description"))));
    }

    static Node participants(String id, String groupJid, String action, List<String> phones) {
        List<Node> children = new ArrayList<>();
        for (String phone : phones) {
            children.add(Node.of("participant", Stanza.attrs("jid", phone + Stanza.SERVER)));
        }
        return iq(id, "set", groupJid, Node.withChildren(action, Stanza.attrs(), children));
    }

    static Node subject(String id, String groupJid, String subject) {
        return iq(id, "set", groupJid, Node.withBytes("subject", Stanza.attrs(), subject.getBytes(StandardCharsets.UTF_8)));
    }

    static Node description(String id, String groupJid, String descriptionId, String previous, String text) {
        java.util.Map<String, String> attrs = Stanza.attrs("id", descriptionId);
        if (previous != null) {
            attrs.put("prev", previous);
        }
        if (text == null || text.isEmpty()) {
            attrs.put("delete", "true");
            return iq(id, "set", groupJid, Node.of("description", attrs));
        }
        return iq(id, "set", groupJid, Node.withChildren("description", attrs, List.of(Node.withBytes("body", Stanza.attrs(),
                text.getBytes(StandardCharsets.UTF_8)))));
    }

    static Node setting(String id, String groupJid, String setting) {
        return iq(id, "set", groupJid, Node.of(setting));
    }

    static Node invite(String id, String groupJid, boolean reset) {
        return iq(id, reset ? "set" : "get", groupJid, Node.of("invite"));
    }

    static Node join(String id, String code) {
        return iq(id, "set", "g.us", Node.of("invite", Stanza.attrs("code", code)));
    }

    static Node leave(String id, String groupJid) {
        return iq(id, "set", "g.us", Node.withChildren("leave", Stanza.attrs(), List.of(Node.of("group",
                Stanza.attrs("id", groupJid)))));
    }

    private static Node iq(String id, String type, String to, Node child) {
        return Node.withChildren("iq", Stanza.attrs("id", id, "type", type, "xmlns", "w:g2", "to", to), List.of(child));
    }

    // ---- answers --------------------------------------------------------------------------------

    /** A refused {@code w:g2} request: WhatsApp's code (401 not an admin, 403 not a member, 404 no such group…) and text. */
    public static final class GroupRefused extends RuntimeException {
        public final int code;

        GroupRefused(int code, String text) {
            super("WhatsApp refused the group request: " + code + " " + text);
            this.code = code;
        }
    }

    /** The answer, or a {@link GroupRefused} when it is an error. */
    static Node checked(Node answer) {
        if ("error".equals(answer.attribute("type").orElse(""))) {
            Node error = answer.child("error").orElse(null);
            int code = error == null ? 500 : error.attribute("code").filter(c -> c.matches("[0-9]{3}")).map(Integer::parseInt).orElse(500);
            throw new GroupRefused(code, error == null ? "" : error.attribute("text").orElse(""));
        }
        return answer;
    }

    /** {@code <group>} as metadata; {@code lids} maps LID users to phones where WhatsApp did not pair them. */
    static GroupInfo group(Node group, Map<String, String> lids) {
        String id = group.attribute("id").orElse("");
        String jid = id.contains("@") ? id : id + SERVER;
        boolean lid = "lid".equals(group.attribute("addressing_mode").orElse(""));
        List<Participant> participants = new ArrayList<>();
        for (Node participant : group.children()) {
            if ("participant".equals(participant.tag()) && participant.attribute("error").isEmpty()) {
                participants.add(participant(participant, lids));
            }
        }
        Node description = group.child("description").orElse(null);
        return new GroupInfo(jid, group.attribute("subject").orElse(""),
                user(group.attribute("s_o_pn").or(() -> group.attribute("s_o")).orElse(null), lids),
                time(group.attribute("s_t").orElse(null)), time(group.attribute("creation").orElse(null)),
                user(group.attribute("creator_pn").or(() -> group.attribute("creator")).orElse(null), lids),
                description == null ? null : description.child("body").flatMap(Node::text).orElse(null),
                group.child("announcement").isPresent(), group.child("locked").isPresent(), lid ? "lid" : "pn", participants);
    }

    /** {@code <participant jid [lid|phone_number] [type]>}: the phone (mapped from the LID if need be), the LID, the role. */
    static Participant participant(Node node, Map<String, String> lids) {
        String jid = node.attribute("jid").orElse("");
        String phone = null;
        String lid = null;
        if (jid.endsWith("@lid")) {
            lid = Inbound.lidUser(jid);
            phone = node.attribute("phone_number").map(GroupStanzas::digits).orElse(lid == null ? null : lids.get(lid));
        } else {
            phone = digits(jid);
            lid = node.attribute("lid").map(Inbound::lidUser).orElse(null);
        }
        return new Participant(phone, lid, node.attribute("type").orElse(""));
    }

    /** The per-participant results of add/remove/promote/demote: phone → WhatsApp's code (200 when done). */
    static Map<String, Integer> results(Node answer, String action, Map<String, String> lids) {
        Map<String, Integer> results = new java.util.LinkedHashMap<>();
        for (Node participant : answer.child(action).map(Node::children).orElse(List.of())) {
            Participant who = participant(participant, lids);
            String key = who.phone() != null ? who.phone() : participant.attribute("jid").orElse("");
            results.put(key, participant.attribute("error").filter(c -> c.matches("[0-9]{3}")).map(Integer::parseInt).orElse(200));
        }
        return results;
    }

    /** A {@code w:gp2} notification as a change; null when it carries none. */
    static GroupChange change(Node notification, Map<String, String> lids) {
        Node child = notification.children().isEmpty() ? null : notification.children().get(0);
        if (child == null) {
            return null;
        }
        String groupJid = notification.attribute("from").orElse("");
        String actor = user(notification.attribute("participant_pn").or(() -> notification.attribute("participant")).orElse(null), lids);
        Instant at = time(notification.attribute("t").orElse(null));
        String mode = notification.attribute("addressing_mode").orElse(null);
        List<Participant> participants = new ArrayList<>();
        for (Node participant : child.children()) {
            if ("participant".equals(participant.tag())) {
                participants.add(participant(participant, lids));
            }
        }
        String action = child.tag();
        GroupInfo created = null;
        String value = null;
        if ("create".equals(action)) {
            Node group = child.child("group").orElse(null);
            created = group == null ? null : group(group, lids);
            action = "created";
        } else if ("subject".equals(action)) {
            value = child.attribute("subject").orElse("");
        } else if ("description".equals(action)) {
            value = child.child("body").flatMap(Node::text).orElse(null);
        }
        return new GroupChange(notification.attribute("id").orElse(""), groupJid, action, actor, participants, created, value,
                child.attribute("reason").orElse(null), mode, at);
    }

    /**
     * The participant hash WhatsApp compares a group message's fan-out against: {@code 2:} and
     * base64 of the first 6 bytes of SHA-256 over the sorted device jids (whatsmeow's participantListHashV2).
     */
    static String phash(List<String> deviceJids) {
        List<String> sorted = new ArrayList<>(deviceJids);
        java.util.Collections.sort(sorted);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.join("", sorted).getBytes(StandardCharsets.UTF_8));
            return "2:" + Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(digest, 6));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The phone of a PN jid, or the phone a LID jid is known to stand for (else its LID user); null for null. */
    private static String user(String jid, Map<String, String> lids) {
        if (jid == null) {
            return null;
        }
        String lid = Inbound.lidUser(jid);
        return lid != null ? lids.getOrDefault(lid, lid) : digits(jid);
    }

    private static String digits(String jid) {
        int at = jid.indexOf('@');
        String user = (at < 0 ? jid : jid.substring(0, at)).split(":")[0];
        return user.matches("[0-9]{1,20}") ? user : null;
    }

    private static Instant time(String seconds) {
        return seconds != null && seconds.matches("[0-9]{1,12}") ? Instant.ofEpochSecond(Long.parseLong(seconds)) : null;
    }
}
