package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.proto.SenderKeyRecord;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.switchboard.protocol.signal.LocalIdentity;
import io.switchboard.protocol.signal.PreKeyBundle;
import io.switchboard.protocol.signal.PreKeySource;
import io.switchboard.protocol.signal.SenderKeys;
import io.switchboard.protocol.signal.SessionCipher;
import io.switchboard.protocol.signal.SignalException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An account's simulated phone (device 0) as a Signal party: it decrypts what is sent to it,
 * checks the plaintext strictly (padding, protobuf, a copy only from its own devices), keeps what
 * it read, and sends texts of its own. The Signal arithmetic is the project's libsignal-compatible
 * package (itself judged against libsignal); addressing, padding and message parsing are the
 * sandbox's own, so a client that gets those wrong is caught here.
 */
public final class PhoneParty {

    /** What the phone received: a text (and for copies of its own devices' sends, the chat), or why it could not read it. */
    public record Received(String id, String from, String chat,
            @org.eclipse.microprofile.openapi.annotations.media.Schema(nullable = true) String text, Instant at,
            @org.eclipse.microprofile.openapi.annotations.media.Schema(nullable = true,
                    description = "Why the message could not be read (null: it was)") String problem,
            @org.eclipse.microprofile.openapi.annotations.media.Schema(nullable = true,
                    description = "The file a media message carried, as the phone downloaded and checked it") MediaCheck.Result media) {

        Received(String id, String from, String chat, String text, Instant at, String problem) {
            this(id, from, chat, text, at, problem, null);
        }
    }

    /** A text the phone sent and the receipts devices returned for it. */
    public record Sent(String id, String to, String text, Instant at, List<String> receipts) {
    }

    static final int KEPT = 1_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Account account;
    private final Map<String, SignalSessionRecord> sessions = new HashMap<>();
    private final Deque<Received> inbox = new ArrayDeque<>();
    private final Deque<Sent> outbox = new ArrayDeque<>();
    private final Set<String> seen = new HashSet<>();
    /** Other members' sender keys, by group and sender address. */
    private final Map<String, SenderKeyRecord> senderKeys = new HashMap<>();
    /** The files of messages the phone sent or read, by message id: what it can upload again when asked (a media retry). */
    private final Map<String, KeptFile> files = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, KeptFile> eldest) {
            return size() > KEPT;
        }
    };
    /** The person deleted the phone's files: media retries are answered "not found". */
    private boolean filesDeleted;

    /** A file the phone has, and the chat of its message as a retry request must name it. */
    private record KeptFile(MediaCheck.Claimed file, String chat, boolean fromMe) {
    }

    PhoneParty(Account account) {
        this.account = account;
    }

    String deviceJid() {
        return account.phone + Stanzas.SERVER;
    }

    /**
     * A relayed message for this phone: decrypted and kept. Answers the receipt to send back to the
     * sender's device (delivery, or retry when it did not decrypt), or null for none.
     */
    synchronized Node receive(Node message, MediaHost mediaHost) {
        String id = message.attribute("id").orElse("");
        String from = message.attribute("from").orElse("");
        if (from.endsWith(Groups.SERVER)) {
            return receiveInGroup(message);
        }
        String senderPhone = from.contains("@") ? from.substring(0, from.indexOf('@')).split(":")[0] : "";
        Node enc = message.child("enc").orElse(null);
        Instant at = Instant.now();
        if (!seen.add(from + " " + id)) {
            return receipt(message, null);
        }
        String address = address(from);
        if (enc == null || enc.bytes().isEmpty() || address == null) {
            keep(new Received(id, from, null, null, at, "no <enc> or no sender device"));
            return null;
        }
        String type = enc.attribute("type").orElse("");
        SessionCipher cipher = new SessionCipher(new LocalIdentity(account.identity, account.registrationId));
        SessionCipher.Decrypted decrypted;
        try {
            SignalSessionRecord record = sessions.getOrDefault(address, SignalSessionRecord.getDefaultInstance());
            if ("pkmsg".equals(type)) {
                decrypted = cipher.decryptPreKey(record, preKeys(), enc.bytes().get());
            } else if ("msg".equals(type)) {
                decrypted = cipher.decrypt(record, enc.bytes().get());
            } else {
                keep(new Received(id, from, null, null, at, "enc type " + type + " is not a 1:1 Signal message"));
                return null;
            }
        } catch (SignalException e) {
            seen.remove(from + " " + id);
            keep(new Received(id, from, null, null, at, "did not decrypt: " + e.getMessage()));
            return retry(message);
        }
        sessions.put(address, decrypted.record());
        if (decrypted.usedPreKeyId() != null) {
            account.oneTimePreKeys.remove(decrypted.usedPreKeyId());
        }
        boolean own = senderPhone.equals(account.phone);
        try {
            PlainMessage plain = PlainMessage.read(decrypted.plaintext());
            if (plain.destination() != null && !own) {
                keep(new Received(id, from, null, null, at, "a deviceSentMessage from another account"));
            } else if (own && plain.destination() == null && plain.text() != null) {
                keep(new Received(id, from, null, null, at, "a copy from an own device without deviceSentMessage"));
            } else {
                String wrongChange = own || plain.change() == null ? null : wrongChange(plain.change(), senderPhone, at);
                if (wrongChange != null) {
                    keep(new Received(id, from, senderPhone + Stanzas.SERVER, null, at, wrongChange));
                    return receipt(message, null);
                }
                MediaCheck.Result media = plain.media() == null ? null : MediaCheck.check(mediaHost, plain.media());
                String chat = own ? plain.destination() : senderPhone + Stanzas.SERVER;
                if (media != null && media.problem() == null) {
                    files.put(id, new KeptFile(plain.media(), chat, own));
                }
                keep(new Received(id, from, chat, media != null ? media.caption() : plain.text(), at, null, media));
            }
        } catch (SandboxProtocolException e) {
            keep(new Received(id, from, null, null, at, e.getMessage()));
        }
        return own ? null : receipt(message, null);
    }

    /**
     * A group message ({@code participant} names the sending device by phone number here): the
     * pairwise {@code <enc>}, if any, carries the sender's distribution message, which is processed
     * before the shared {@code skmsg} is opened. What does not open is answered with a retry receipt.
     */
    private Node receiveInGroup(Node message) {
        String id = message.attribute("id").orElse("");
        String group = message.attribute("from").orElse("");
        String participant = message.attribute("participant").orElse("");
        String address = address(participant);
        Instant at = Instant.now();
        if (!seen.add(group + " " + participant + " " + id)) {
            return groupReceipt(message, ownCopy(participant));
        }
        Node pairwise = message.children().stream().filter(child -> "enc".equals(child.tag())
                && !"skmsg".equals(child.attribute("type").orElse(""))).findFirst().orElse(null);
        Node skmsg = message.children().stream().filter(child -> "enc".equals(child.tag())
                && "skmsg".equals(child.attribute("type").orElse(""))).findFirst().orElse(null);
        if (address == null || (skmsg == null && pairwise == null) || (skmsg != null && skmsg.bytes().isEmpty())) {
            keep(new Received(id, participant, group, null, at, "a group message needs a sender device and an <enc>"));
            return null;
        }
        String keyName = group + " " + address;
        try {
            if (pairwise != null) {
                SessionCipher cipher = new SessionCipher(new LocalIdentity(account.identity, account.registrationId));
                SignalSessionRecord record = sessions.getOrDefault(address, SignalSessionRecord.getDefaultInstance());
                byte[] body = pairwise.bytes().orElseThrow();
                SessionCipher.Decrypted decrypted = "pkmsg".equals(pairwise.attribute("type").orElse(""))
                        ? cipher.decryptPreKey(record, preKeys(), body) : cipher.decrypt(record, body);
                sessions.put(address, decrypted.record());
                if (decrypted.usedPreKeyId() != null) {
                    account.oneTimePreKeys.remove(decrypted.usedPreKeyId());
                }
                byte[] distribution = PlainMessage.senderKeyDistribution(decrypted.plaintext(), group, skmsg != null);
                if (distribution != null) {
                    senderKeys.put(keyName, SenderKeys.process(senderKeys.getOrDefault(keyName, SenderKeyRecord.getDefaultInstance()),
                            distribution));
                }
                if (skmsg == null) {
                    // A resend for this device alone: the message itself is in the pairwise one.
                    PlainMessage plain = PlainMessage.read(decrypted.plaintext());
                    keep(new Received(id, participant, group, plain.media() != null ? "[" + plain.media().kind() + "]" : plain.text(), at,
                            null));
                    return groupReceipt(message, ownCopy(participant));
                }
            }
            SenderKeys.Decrypted opened = SenderKeys.decrypt(senderKeys.getOrDefault(keyName, SenderKeyRecord.getDefaultInstance()),
                    skmsg.bytes().get());
            senderKeys.put(keyName, opened.record());
            PlainMessage plain = PlainMessage.read(opened.plaintext());
            keep(new Received(id, participant, group, plain.media() != null ? "[" + plain.media().kind() + "]" : plain.text(), at, null));
            return groupReceipt(message, ownCopy(participant));
        } catch (SignalException e) {
            seen.remove(group + " " + participant + " " + id);
            keep(new Received(id, participant, group, null, at, "did not decrypt: " + e.getMessage()));
            Node retry = retry(message);
            Map<String, String> attrs = new java.util.LinkedHashMap<>(retry.attributes());
            attrs.put("to", group);
            attrs.put("participant", participant);
            return Node.withChildren("receipt", attrs, retry.children());
        } catch (SandboxProtocolException e) {
            keep(new Received(id, participant, group, null, at, e.getMessage()));
        }
        return groupReceipt(message, null);
    }

    /** "sender" for a copy of a message this account's own device sent (WhatsApp's type for it), else null (delivered). */
    private String ownCopy(String participant) {
        return participant.startsWith(account.phone + ":") || participant.startsWith(account.phone + "@") ? "sender" : null;
    }

    private Node groupReceipt(Node message, String type) {
        Node receipt = receipt(message, type);
        Map<String, String> attrs = new java.util.LinkedHashMap<>(receipt.attributes());
        attrs.put("to", message.attribute("from").orElse(""));
        attrs.put("participant", message.attribute("participant").orElse(""));
        return Node.of("receipt", attrs);
    }

    /**
     * One of the account's devices asks the phone to upload a file again ({@code <receipt
     * type="server-error">}, MESSAGING §4.8): the request is checked strictly — it must open under
     * the retry key of the file's media key with the message id as associated data, name that id,
     * and its {@code <rmr>} must name the message's chat (its number or LID) and whether the account sent it. The answer
     * is the {@code mediaretry} notification for the asking device: a new direct path (SUCCESS),
     * {@code <error code="2">} when the phone has no such file, or a sealed NOT_FOUND /
     * DECRYPTION_ERROR / GENERAL_ERROR. {@code problems} collects what was wrong with the request.
     */
    synchronized Node answerMediaRetry(Node receipt, MediaHost host, long t, java.util.function.UnaryOperator<String> phoneOf,
            List<String> problems) {
        String id = receipt.attribute("id").orElse("");
        Node rmr = receipt.child("rmr").orElse(null);
        Map<String, String> rmrAttrs = rmr == null ? Stanzas.attrs() : new java.util.LinkedHashMap<>(rmr.attributes());
        Map<String, String> attrs = Stanzas.attrs("from", deviceJid(), "type", "mediaretry", "id", id, "t", String.valueOf(t));
        KeptFile kept = files.get(id);
        if (kept == null || filesDeleted) {
            return Node.withChildren("notification", attrs, List.of(Node.of("rmr", rmrAttrs),
                    Node.of("error", Stanzas.attrs("code", "2"))));
        }
        int result = 1;
        Node encrypt = receipt.child("encrypt").orElse(null);
        byte[] payload = encrypt == null ? null : encrypt.child("enc_p").flatMap(Node::bytes).orElse(null);
        byte[] iv = encrypt == null ? null : encrypt.child("enc_iv").flatMap(Node::bytes).orElse(null);
        if (payload == null || iv == null || iv.length != 12) {
            problems.add("no <encrypt><enc_p/><enc_iv/> (12 bytes)</encrypt>");
            result = 3;
        } else {
            try {
                byte[] plain = MediaCheck.retrySeal(false, kept.file().mediaKey(), iv, id, payload);
                String stanzaId = null;
                ProtoFields reader = new ProtoFields(plain, 0, plain.length);
                while (reader.more()) {
                    if (reader.field() == 1 && reader.wire() == 2) {
                        stanzaId = reader.string();
                    } else {
                        reader.skip();
                    }
                }
                if (!id.equals(stanzaId)) {
                    problems.add("ServerErrorReceipt.stanzaId is " + stanzaId + ", not the message id " + id);
                    result = 3;
                }
            } catch (java.security.GeneralSecurityException | SandboxProtocolException e) {
                problems.add("enc_p does not open under the file's retry key with the message id as associated data");
                result = 3;
            }
        }
        String chatPhone = phoneOf.apply(kept.chat());
        if (rmr == null || chatPhone.isEmpty() || !chatPhone.equals(phoneOf.apply(rmr.attribute("jid").orElse("")))
                || !String.valueOf(kept.fromMe()).equals(rmr.attribute("from_me").orElse(""))) {
            problems.add("<rmr> says jid=" + rmrAttrs.get("jid") + " from_me=" + rmrAttrs.get("from_me") + "; the message is in "
                    + kept.chat() + " and from_me=" + kept.fromMe());
            result = result == 1 ? 0 : result;
        }
        String directPath = null;
        if (result == 1) {
            MediaHost.Blob again = host.reupload(kept.file().directPath(), deviceJid()).orElse(null);
            if (again == null) {
                result = 2;
            } else {
                directPath = again.directPath();
                files.put(id, new KeptFile(kept.file().at(directPath), kept.chat(), kept.fromMe()));
            }
        }
        java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
        answer.writeBytes(PlainMessage.field(1, id.getBytes(StandardCharsets.UTF_8)));
        if (directPath != null) {
            answer.writeBytes(PlainMessage.field(2, directPath.getBytes(StandardCharsets.UTF_8)));
        }
        answer.writeBytes(PlainMessage.number(3, result));
        byte[] answerIv = new byte[12];
        RANDOM.nextBytes(answerIv);
        byte[] sealed;
        try {
            sealed = MediaCheck.retrySeal(true, kept.file().mediaKey(), answerIv, id, answer.toByteArray());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return Node.withChildren("notification", attrs, List.of(Node.of("rmr", rmrAttrs), Node.withChildren("encrypt",
                Stanzas.attrs(), List.of(Node.withBytes("enc_p", Stanzas.attrs(), sealed), Node.withBytes("enc_iv", Stanzas.attrs(),
                        answerIv)))));
    }

    /** The person deletes (or restores) the phone's files: media retries are then answered "not found". */
    synchronized void filesDeleted(boolean deleted) {
        filesDeleted = deleted;
    }

    /** WhatsApp lets a sender edit a message for 15 minutes and delete it for everyone for 60 hours. */
    static final java.time.Duration EDIT_WINDOW = java.time.Duration.ofMinutes(15);
    static final java.time.Duration REVOKE_WINDOW = java.time.Duration.ofHours(60);

    /**
     * Why an edit or revoke from {@code senderPhone} is not one WhatsApp allows (the phone received no
     * such message from that sender, or too long ago), or null when it is.
     */
    private String wrongChange(PlainMessage.Change change, String senderPhone, Instant now) {
        if ("reaction".equals(change.kind())) {
            return null;
        }
        Received original = null;
        for (Received received : inbox) {
            if (received.id().equals(change.targetId()) && received.problem() == null && received.from().startsWith(senderPhone)
                    && (received.from().charAt(senderPhone.length()) == ':' || received.from().charAt(senderPhone.length()) == '@')) {
                original = received;
            }
        }
        if (original == null) {
            return ("edit".equals(change.kind()) ? "an edit" : "a revoke") + " of " + change.targetId()
                    + ", which this sender did not send to this phone";
        }
        java.time.Duration window = "edit".equals(change.kind()) ? EDIT_WINDOW : REVOKE_WINDOW;
        return original.at().plus(window).isBefore(now) ? ("edit".equals(change.kind()) ? "an edit" : "a revoke") + " of "
                + change.targetId() + " after WhatsApp's window of " + window.toMinutes() + " minutes" : null;
    }

    /** A receipt for one of the phone's texts, from {@code device}. */
    synchronized void receipt(String id, String device, String type) {
        for (Sent sent : outbox) {
            if (sent.id().equals(id)) {
                sent.receipts().add((type == null || type.isEmpty() ? "delivery" : type) + " " + device);
            }
        }
    }

    /**
     * The phone writes {@code text} to {@code to}: one message per device of the recipient (its
     * phone included) and a deviceSentMessage copy per companion of its own account, each device
     * without a session started from a bundle the directory hands out. Answers device → message.
     */
    synchronized Map<String, Node> write(String id, String to, List<String> recipientDevices, List<String> ownDevices,
            Map<String, PreKeyBundle> bundles, String text, long t) throws SandboxException {
        return write(id, to, recipientDevices, ownDevices, bundles, PlainMessage.textBody(text), null, text, t);
    }

    /**
     * As {@link #write(String, String, List, List, Map, String, long)} for any message body (an
     * unpadded Message protobuf): a file when {@code mediaType} is given (the stanza's type is then
     * {@code media} and each enc says the media type); {@code shown} is what the phone's sent list says.
     */
    synchronized Map<String, Node> write(String id, String to, List<String> recipientDevices, List<String> ownDevices,
            Map<String, PreKeyBundle> bundles, byte[] body, String mediaType, String shown, long t) throws SandboxException {
        SessionCipher cipher = new SessionCipher(new LocalIdentity(account.identity, account.registrationId));
        Map<String, Node> messages = new java.util.LinkedHashMap<>();
        Map<String, SignalSessionRecord> advanced = new HashMap<>();
        List<String> devices = new ArrayList<>(recipientDevices);
        devices.addAll(ownDevices);
        for (String device : devices) {
            String address = address(device);
            SignalSessionRecord record = sessions.getOrDefault(address, SignalSessionRecord.getDefaultInstance());
            try {
                if (!SessionCipher.hasOpenSession(record)) {
                    PreKeyBundle bundle = bundles.get(device);
                    if (bundle == null) {
                        continue;
                    }
                    record = cipher.initiate(record, bundle);
                }
                boolean own = ownDevices.contains(device);
                SessionCipher.Encrypted encrypted = cipher.encrypt(record, own
                        ? PlainMessage.copyOf(body, to + Stanzas.SERVER) : PlainMessage.padded(body));
                advanced.put(address, encrypted.record());
                Map<String, String> attrs = Stanzas.attrs("from", deviceJid(), "id", id, "t", String.valueOf(t),
                        "type", mediaType == null ? "text" : "media", "notify", "Phone " + account.phone,
                        "sender_lid", account.lidUser + "@lid");
                if (own) {
                    attrs.put("recipient", to + Stanzas.SERVER);
                }
                Map<String, String> encAttrs = Stanzas.attrs("v", "2", "type", encrypted.type());
                if (mediaType != null) {
                    encAttrs.put("mediatype", mediaType);
                }
                messages.put(device, Node.withChildren("message", attrs, List.of(Node.withBytes("enc", encAttrs,
                        encrypted.ciphertext()))));
            } catch (SignalException e) {
                throw new SandboxException(SandboxException.Kind.BAD_REQUEST, "cannot encrypt for " + device + ": " + e.getMessage());
            }
        }
        sessions.putAll(advanced);
        if (mediaType != null) {
            try {
                files.put(id, new KeptFile(PlainMessage.message(body, 0, body.length).media(), to + Stanzas.SERVER, true));
            } catch (SandboxProtocolException e) {
                throw new SandboxException(SandboxException.Kind.BAD_REQUEST, "the phone's own file message: " + e.getMessage());
            }
        }
        outbox.addLast(new Sent(id, to, shown, Instant.now(), new ArrayList<>()));
        while (outbox.size() > KEPT) {
            outbox.removeFirst();
        }
        return messages;
    }

    /** This phone's own sender key per group, and the devices it was given to. */
    private final Map<String, SenderKeyRecord> ownGroupKeys = new HashMap<>();
    private final Map<String, Set<String>> ownGroupKeyGiven = new HashMap<>();

    /**
     * The phone writes {@code body} (an unpadded Message) to {@code group} as a client does: its
     * sender key (created on first use) in a pairwise message to each of {@code devices} that lacks
     * it (a session started from {@code bundles} where there is none), the message once under the key.
     * Answers the stanza a client would send, for the group fan-out to check and deliver.
     */
    synchronized Node writeToGroup(String id, String group, List<String> devices, Map<String, PreKeyBundle> bundles, byte[] body,
            String shown) throws SandboxException {
        SessionCipher cipher = new SessionCipher(new LocalIdentity(account.identity, account.registrationId));
        SenderKeyRecord own = ownGroupKeys.computeIfAbsent(group, g -> SenderKeys.create());
        Set<String> given = ownGroupKeyGiven.computeIfAbsent(group, g -> new HashSet<>());
        byte[] distribution = PlainMessage.field(2, concat(PlainMessage.field(1, group.getBytes(StandardCharsets.UTF_8)),
                PlainMessage.field(2, SenderKeys.distribution(own))));
        Map<String, SignalSessionRecord> advanced = new HashMap<>();
        List<Node> participants = new ArrayList<>();
        List<String> reached = new ArrayList<>();
        try {
            for (String device : devices) {
                if (given.contains(device)) {
                    continue;
                }
                String address = address(device);
                SignalSessionRecord record = sessions.getOrDefault(address, SignalSessionRecord.getDefaultInstance());
                if (!SessionCipher.hasOpenSession(record)) {
                    PreKeyBundle bundle = bundles.get(device);
                    if (bundle == null) {
                        continue;
                    }
                    record = cipher.initiate(record, bundle);
                }
                SessionCipher.Encrypted encrypted = cipher.encrypt(record, PlainMessage.padded(distribution));
                advanced.put(address, encrypted.record());
                reached.add(device);
                participants.add(Node.withChildren("to", Stanzas.attrs("jid", device), List.of(Node.withBytes("enc",
                        Stanzas.attrs("v", "2", "type", encrypted.type()), encrypted.ciphertext()))));
            }
            SenderKeys.Encrypted encrypted = SenderKeys.encrypt(own, PlainMessage.padded(body));
            sessions.putAll(advanced);
            given.addAll(reached);
            ownGroupKeys.put(group, encrypted.record());
            outbox.addLast(new Sent(id, group, shown, Instant.now(), new ArrayList<>()));
            while (outbox.size() > KEPT) {
                outbox.removeFirst();
            }
            List<Node> children = new ArrayList<>();
            if (!participants.isEmpty()) {
                children.add(Node.withChildren("participants", Stanzas.attrs(), participants));
            }
            children.add(Node.withBytes("enc", Stanzas.attrs("v", "2", "type", "skmsg"), encrypted.ciphertext()));
            return Node.withChildren("message", Stanzas.attrs("id", id, "to", group, "type", "text"), children);
        } catch (SignalException e) {
            throw new SandboxException(SandboxException.Kind.BAD_REQUEST, "cannot encrypt for " + group + ": " + e.getMessage());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    /** The sender devices of the texts {@code ids} this phone received, by id (unknown ids left out). */
    synchronized Map<String, String> sendersOf(List<String> ids) {
        Map<String, String> senders = new java.util.LinkedHashMap<>();
        for (Received received : inbox) {
            if (ids.contains(received.id()) && received.problem() == null) {
                senders.put(received.id(), received.from());
            }
        }
        return senders;
    }

    synchronized List<Received> received() {
        return List.copyOf(inbox);
    }

    synchronized List<Sent> sent() {
        return outbox.stream().map(s -> new Sent(s.id(), s.to(), s.text(), s.at(), List.copyOf(s.receipts()))).toList();
    }

    /** Whether the phone holds an open session with {@code device}. */
    synchronized boolean hasSession(String device) {
        String address = address(device);
        return address != null && SessionCipher.hasOpenSession(sessions.getOrDefault(address, SignalSessionRecord.getDefaultInstance()));
    }

    static String newMessageId() {
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        return "3A" + HexFormat.of().formatHex(random).toUpperCase(Locale.ROOT);
    }

    private Node receipt(Node message, String type) {
        Map<String, String> attrs = Stanzas.attrs("from", deviceJid(), "id", message.attribute("id").orElse(""),
                "t", String.valueOf(Instant.now().getEpochSecond()));
        if (type != null) {
            attrs.put("type", type);
        }
        return Node.of("receipt", attrs);
    }

    private Node retry(Node message) {
        String id = message.attribute("id").orElse("");
        Map<String, String> retry = Stanzas.attrs("count", "1", "id", id, "t", message.attribute("t").orElse("0"), "v", "1");
        return Node.withChildren("receipt", Stanzas.attrs("from", deviceJid(), "id", id, "type", "retry",
                "t", String.valueOf(Instant.now().getEpochSecond())), List.of(Node.of("retry", retry),
                Node.withBytes("registration", Stanzas.attrs(), java.nio.ByteBuffer.allocate(4).putInt(account.registrationId).array())));
    }

    private void keep(Received received) {
        inbox.addLast(received);
        while (inbox.size() > KEPT) {
            inbox.removeFirst();
        }
    }

    private PreKeySource preKeys() {
        Map<Integer, KeyPair> oneTime = new HashMap<>(account.oneTimePreKeys);
        return PreKeySource.of(oneTime, Map.of(1, account.signedPreKey));
    }

    /** {@code 155…:3@s.whatsapp.net} → {@code 155….3}; device 0 without a suffix. */
    private static String address(String jid) {
        int at = jid.indexOf('@');
        if (at <= 0 || !Stanzas.SERVER.equals(jid.substring(at))) {
            return null;
        }
        String user = jid.substring(0, at);
        int colon = user.indexOf(':');
        return colon < 0 ? user + ".0" : user.substring(0, colon) + "." + Integer.parseInt(user.substring(colon + 1));
    }

    /** The sandbox's own reading and writing of WhatsApp's padded Message protobuf (text, extended text, device-sent copies). */
    record PlainMessage(String text, String destination, MediaCheck.Claimed media, Change change) {

        PlainMessage(String text, String destination, MediaCheck.Claimed media) {
            this(text, destination, media, null);
        }

        /** An edit (protocolMessage type 14), revoke (type 0) or reaction (reactionMessage) of message {@code targetId}. */
        record Change(String kind, String targetId) {
        }

        /**
         * The sender-key distribution a pairwise group message carries ({@code Message} field 2:
         * {@code groupId} 1, the distribution bytes 2); it must name {@code group}. Null when there is none and
         * none is {@code required} (a resend carrying the message itself).
         */
        static byte[] senderKeyDistribution(byte[] padded, String group, boolean required) throws SandboxProtocolException {
            byte[] bytes = unpad(padded);
            ProtoFields reader = new ProtoFields(bytes, 0, bytes.length);
            while (reader.more()) {
                if (reader.field() == 2 && reader.wire() == 2) {
                    int[] range = reader.bytes();
                    ProtoFields inner = new ProtoFields(bytes, range[0], range[1]);
                    String groupId = null;
                    byte[] distribution = null;
                    while (inner.more()) {
                        int field = inner.field();
                        if (field == 1 && inner.wire() == 2) {
                            groupId = inner.string();
                        } else if (field == 2 && inner.wire() == 2) {
                            int[] value = inner.bytes();
                            distribution = java.util.Arrays.copyOfRange(bytes, value[0], value[1]);
                        } else {
                            inner.skip();
                        }
                    }
                    if (!group.equals(groupId) || distribution == null) {
                        throw new SandboxProtocolException("senderKeyDistributionMessage names group " + groupId + ", not " + group);
                    }
                    return distribution;
                }
                reader.skip();
            }
            if (!required) {
                return null;
            }
            throw new SandboxProtocolException("the pairwise message of a group message holds no senderKeyDistributionMessage");
        }

        static PlainMessage read(byte[] padded) throws SandboxProtocolException {
            byte[] bytes = unpad(padded);
            return message(bytes, 0, bytes.length);
        }

        private static byte[] unpad(byte[] padded) throws SandboxProtocolException {
            if (padded.length == 0) {
                throw new SandboxProtocolException("empty plaintext");
            }
            int pad = padded[padded.length - 1] & 0xff;
            if (pad < 1 || pad > 16 || pad > padded.length) {
                throw new SandboxProtocolException("padding byte " + pad + " is not 1 to 16");
            }
            for (int i = padded.length - pad; i < padded.length; i++) {
                if ((padded[i] & 0xff) != pad) {
                    throw new SandboxProtocolException("padding bytes differ from the pad length " + pad);
                }
            }
            return java.util.Arrays.copyOf(padded, padded.length - pad);
        }

        static PlainMessage message(byte[] bytes, int from, int to) throws SandboxProtocolException {
            String text = null;
            String destination = null;
            MediaCheck.Claimed media = null;
            Change change = null;
            ProtoFields reader = new ProtoFields(bytes, from, to);
            while (reader.more()) {
                int field = reader.field();
                if (field == 1 && reader.wire() == 2) {
                    text = reader.string();
                } else if ((field == 12 || field == 46) && reader.wire() == 2) {
                    int[] range = reader.bytes();
                    change = change(field, bytes, range[0], range[1]);
                } else if (field == 58 && reader.wire() == 2) {
                    // editedMessage: a FutureProofMessage whose message 1 holds the protocolMessage.
                    int[] range = reader.bytes();
                    ProtoFields wrapper = new ProtoFields(bytes, range[0], range[1]);
                    while (wrapper.more()) {
                        if (wrapper.field() == 1 && wrapper.wire() == 2) {
                            int[] inner = wrapper.bytes();
                            change = message(bytes, inner[0], inner[1]).change();
                        } else {
                            wrapper.skip();
                        }
                    }
                } else if (field == 6 && reader.wire() == 2) {
                    int[] range = reader.bytes();
                    ProtoFields extended = new ProtoFields(bytes, range[0], range[1]);
                    while (extended.more()) {
                        if (extended.field() == 1 && extended.wire() == 2) {
                            text = extended.string();
                        } else {
                            extended.skip();
                        }
                    }
                } else if (MEDIA_FIELDS.containsKey(field) && reader.wire() == 2) {
                    int[] range = reader.bytes();
                    media = media(MEDIA_FIELDS.get(field), bytes, range[0], range[1]);
                } else if (field == 31 && reader.wire() == 2) {
                    int[] range = reader.bytes();
                    ProtoFields copy = new ProtoFields(bytes, range[0], range[1]);
                    while (copy.more()) {
                        int inner = copy.field();
                        if (inner == 1 && copy.wire() == 2) {
                            destination = copy.string();
                        } else if (inner == 2 && copy.wire() == 2) {
                            int[] nested = copy.bytes();
                            PlainMessage wrapped = message(bytes, nested[0], nested[1]);
                            text = wrapped.text();
                            media = wrapped.media();
                            change = wrapped.change();
                        } else {
                            copy.skip();
                        }
                    }
                    if (destination == null) {
                        throw new SandboxProtocolException("deviceSentMessage without destinationJid");
                    }
                } else {
                    reader.skip();
                }
            }
            return new PlainMessage(text, destination, media, change);
        }

        /** A protocolMessage (12: key 1, type 2) or reactionMessage (46: key 1) as a change of the message its key names. */
        private static Change change(int field, byte[] bytes, int from, int to) throws SandboxProtocolException {
            String targetId = null;
            long type = 0;
            ProtoFields reader = new ProtoFields(bytes, from, to);
            while (reader.more()) {
                int inner = reader.field();
                if (inner == 1 && reader.wire() == 2) {
                    int[] key = reader.bytes();
                    ProtoFields keyFields = new ProtoFields(bytes, key[0], key[1]);
                    while (keyFields.more()) {
                        if (keyFields.field() == 3 && keyFields.wire() == 2) {
                            targetId = keyFields.string();
                        } else {
                            keyFields.skip();
                        }
                    }
                } else if (inner == 2 && reader.wire() == 0 && field == 12) {
                    type = reader.varint();
                } else {
                    reader.skip();
                }
            }
            if (targetId == null) {
                return null;
            }
            return field == 46 ? new Change("reaction", targetId) : type == 14 ? new Change("edit", targetId)
                    : type == 0 ? new Change("revoke", targetId) : null;
        }

        /** Message fields of the media kinds: image 3, document 7, audio 8, video 9, sticker 26. */
        private static final Map<Integer, String> MEDIA_FIELDS = Map.of(3, "image", 7, "document", 8, "audio", 9, "video",
                26, "sticker");

        /**
         * Field numbers per kind, in WhatsApp's protobuf: url, mimetype, fileSha256, fileLength,
         * mediaKey, fileEncSha256, directPath, caption, fileName, width, height, seconds, ptt.
         */
        private static final Map<String, int[]> LAYOUT = Map.of(
                "image", new int[] {1, 2, 4, 5, 8, 9, 11, 3, 0, 7, 6, 0, 0},
                "document", new int[] {1, 2, 4, 5, 7, 9, 10, 20, 8, 0, 0, 0, 0},
                "audio", new int[] {1, 2, 3, 4, 7, 8, 9, 0, 0, 0, 0, 5, 6},
                "video", new int[] {1, 2, 3, 4, 6, 11, 13, 7, 0, 10, 9, 5, 0},
                "sticker", new int[] {1, 5, 2, 9, 4, 3, 8, 0, 0, 7, 6, 0, 0});

        private static MediaCheck.Claimed media(String kind, byte[] bytes, int from, int to) throws SandboxProtocolException {
            int[] layout = LAYOUT.get(kind);
            Map<Integer, Object> values = new HashMap<>();
            ProtoFields reader = new ProtoFields(bytes, from, to);
            while (reader.more()) {
                int field = reader.field();
                if (reader.wire() == 2) {
                    int[] range = reader.bytes();
                    values.put(field, java.util.Arrays.copyOfRange(bytes, range[0], range[1]));
                } else if (reader.wire() == 0) {
                    values.put(field, reader.varint());
                } else {
                    reader.skip();
                }
            }
            String effective = "audio".equals(kind) && Long.valueOf(1).equals(values.get(layout[12])) ? "voice" : kind;
            return new MediaCheck.Claimed(effective, MediaCheck.info(effective), string(values.get(layout[6])),
                    string(values.get(layout[1])), (byte[]) values.get(layout[4]), (byte[]) values.get(layout[2]),
                    (byte[]) values.get(layout[5]), values.get(layout[3]) instanceof Long n ? n : -1,
                    layout[7] == 0 ? null : string(values.get(layout[7])), layout[8] == 0 ? null : string(values.get(layout[8])),
                    number(layout[9], values), number(layout[10], values), number(layout[11], values));
        }

        private static String string(Object value) {
            return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : null;
        }

        private static Integer number(int field, Map<Integer, Object> values) {
            return field != 0 && values.get(field) instanceof Long n && n >= 0 && n < Integer.MAX_VALUE ? n.intValue() : null;
        }

        static byte[] text(String text) {
            return padded(textBody(text));
        }

        static byte[] copy(String text, String destination) {
            return copyOf(textBody(text), destination);
        }

        /** {@code Message{conversation}}, unpadded. */
        static byte[] textBody(String text) {
            return field(1, text.getBytes(StandardCharsets.UTF_8));
        }

        static byte[] padded(byte[] body) {
            return pad(body);
        }

        /** The copy for the phone's own companions: {@code Message{deviceSentMessage{destinationJid, message}}}. */
        static byte[] copyOf(byte[] body, String destination) {
            byte[] sent = concat(field(1, destination.getBytes(StandardCharsets.UTF_8)), field(2, body));
            return pad(field(31, sent));
        }

        /**
         * A media message body: the kind's field (image 3, document 7, audio 8, video 9, sticker 26)
         * holding url, mimetype, hashes, length, media key, direct path and the rest by the kind's
         * field numbers ({@link #LAYOUT}).
         */
        static byte[] mediaBody(String kind, MediaCheck.Sealed sealed, String url, String directPath, String mimetype,
                String caption, String fileName) {
            String base = "voice".equals(kind) ? "audio" : kind;
            int[] layout = LAYOUT.get(base);
            java.io.ByteArrayOutputStream inner = new java.io.ByteArrayOutputStream();
            inner.writeBytes(field(layout[0], url.getBytes(StandardCharsets.UTF_8)));
            inner.writeBytes(field(layout[1], mimetype.getBytes(StandardCharsets.UTF_8)));
            inner.writeBytes(field(layout[2], sealed.fileSha256()));
            inner.writeBytes(number(layout[3], sealed.fileLength()));
            inner.writeBytes(field(layout[4], sealed.mediaKey()));
            inner.writeBytes(field(layout[5], sealed.fileEncSha256()));
            inner.writeBytes(field(layout[6], directPath.getBytes(StandardCharsets.UTF_8)));
            if (caption != null && layout[7] != 0) {
                inner.writeBytes(field(layout[7], caption.getBytes(StandardCharsets.UTF_8)));
            }
            if (fileName != null && layout[8] != 0) {
                inner.writeBytes(field(layout[8], fileName.getBytes(StandardCharsets.UTF_8)));
            }
            if ("voice".equals(kind)) {
                inner.writeBytes(number(layout[12], 1));
            }
            int message = MEDIA_FIELDS.entrySet().stream().filter(e -> e.getValue().equals(base)).findFirst().orElseThrow().getKey();
            return field(message, inner.toByteArray());
        }

        static byte[] number(int fieldNumber, long value) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            varint(out, (long) fieldNumber << 3);
            varint(out, value);
            return out.toByteArray();
        }

        private static byte[] pad(byte[] body) {
            int pad = 1 + RANDOM.nextInt(15);
            byte[] padded = java.util.Arrays.copyOf(body, body.length + pad);
            java.util.Arrays.fill(padded, body.length, padded.length, (byte) pad);
            return padded;
        }

        static byte[] field(int number, byte[] value) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            varint(out, (long) number << 3 | 2);
            varint(out, value.length);
            out.writeBytes(value);
            return out.toByteArray();
        }

        private static void varint(java.io.ByteArrayOutputStream out, long value) {
            while ((value & ~0x7fL) != 0) {
                out.write((int) (value & 0x7f) | 0x80);
                value >>>= 7;
            }
            out.write((int) value);
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, both, a.length, b.length);
            return both;
        }
    }
}
