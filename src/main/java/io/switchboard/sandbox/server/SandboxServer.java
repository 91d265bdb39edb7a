package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A strict local WhatsApp: the server side of the transport and the directory (accounts, linked
 * devices, their keys, who is online), and the simulated phones that scan QR codes. Delivery and
 * offline queues are its {@link Router}'s, what it saw its {@link Observations}'. Framework-free;
 * the Quarkus glue mounts it and exposes its admin operations.
 */
public final class SandboxServer {

    private static final System.Logger LOG = System.getLogger(SandboxServer.class.getName());
    static final Pattern PHONE = Pattern.compile("[1-9][0-9]{6,15}");

    final Vertx vertx;
    final SandboxOptions options;
    final Clock clock;
    final SandboxIdentity identity;
    final WebVersionPolicy webVersions;
    final Map<String, Account> accounts = new ConcurrentHashMap<>();
    final Map<String, LinkedDevice> devices = new ConcurrentHashMap<>();
    /** When each linked device was linked (nanoTime): a message may miss a device linked only just now. */
    private final Map<String, Long> linkedAt = new ConcurrentHashMap<>();
    /** The accounts each account exchanged 1:1 messages with: they hear of its device changes. */
    private final Map<String, java.util.Set<String>> peers = new ConcurrentHashMap<>();
    private static final long DEVICE_NEWS_GRACE_NANOS = 1_000_000_000L;
    final PresenceRelay presences = new PresenceRelay(this);
    final Map<String, SandboxConnection> online = new ConcurrentHashMap<>();
    private final Map<String, Pairing> pairingsByRef = new ConcurrentHashMap<>();
    private final Map<String, SandboxConnection> codeRequests = new ConcurrentHashMap<>();
    final KeyDirectory keys = new KeyDirectory();
    private final MediaHost media;
    private final Router router = new Router(this);
    private final Groups groups = new Groups(this);
    private final GroupRelay groupRelay = new GroupRelay(this);
    private final Observations observations;
    /** Below this many one-time pre-keys left, a device is notified (Baileys uploads below 5). */
    static final int LOW_PRE_KEYS = 5;
    private final java.util.Set<SandboxConnection> open = ConcurrentHashMap.newKeySet();

    /** Delivery, offline queues, faults and the phones' own writes and reads. */
    public Router router() {
        return router;
    }

    /** Transcripts and counters of what went wrong. */
    public Observations observations() {
        return observations;
    }

    public SandboxServer(Vertx vertx, SandboxOptions options, Clock clock) {
        this.vertx = vertx;
        this.options = options;
        this.clock = clock;
        this.identity = new SandboxIdentity(clock.instant());
        this.media = new MediaHost(vertx, clock.instant());
        this.webVersions = new WebVersionPolicy(options.minimumClientVersion());
        this.observations = new Observations(open);
    }

    /** The sandbox's root key: clients verifying the certificate chain must trust it. */
    public byte[] trustRoot() {
        return identity.rootPublicKey();
    }

    /** Serves one WebSocket; {@code cut} drops its TCP connection without a close frame. */
    public void accept(ServerWebSocket socket, Runnable cut) {
        open.add(new SandboxConnection(this, socket, cut, vertx.getOrCreateContext()));
    }

    /** The phone {@code phone} scans {@code qr}; completes once the device confirmed the pairing. */
    public Future<LinkedDevice> scan(String qr, String phone) {
        try {
            if (phone == null || !PHONE.matcher(phone).matches()) {
                throw new SandboxException(SandboxException.Kind.BAD_REQUEST, "phone must be 7 to 16 digits, no '+'");
            }
            QrText text = QrText.parse(qr);
            Pairing pairing = pairingsByRef.get(text.ref());
            if (pairing == null) {
                throw new SandboxException(SandboxException.Kind.UNKNOWN_REF, "no device is showing this QR code");
            }
            if (!pairing.isCurrent(text.ref(), now())) {
                throw new SandboxException(SandboxException.Kind.EXPIRED_REF, "this QR code has expired");
            }
            Account account = account(phone);
            Promise<LinkedDevice> result = Promise.promise();
            pairing.connection.run(() -> pairing.connection.scanned(new PhonePairing(account, text, now()), text, result));
            return result.future();
        } catch (SandboxException e) {
            return Future.failedFuture(e);
        }
    }

    /** The version policy as it stands. */
    public WebVersionPolicy.View webVersion() {
        return webVersions.view();
    }

    /**
     * Changes the accepted and published WhatsApp Web versions, as a WhatsApp release does; devices
     * online with a version now refused lose their stream and meet failure 405 when they log in again.
     */
    public Future<WebVersionPolicy.View> updateWebVersion(String minimum, String latest, Boolean published) {
        WebVersionPolicy.View view;
        try {
            view = webVersions.update(minimum, latest, published);
        } catch (SandboxException e) {
            return Future.failedFuture(e);
        }
        for (SandboxConnection connection : online.values()) {
            connection.run(() -> {
                if (connection.version != null && !webVersions.accepts(connection.version)) {
                    connection.closeNow();
                }
            });
        }
        return Future.succeededFuture(view);
    }

    /** The body of {@code GET /sandbox/sw.js}, or empty while the sandbox plays an unreachable version URL. */
    public java.util.Optional<String> serviceWorker() {
        return java.util.Optional.ofNullable(webVersions.serviceWorker());
    }

    /**
     * A person types {@code code} on phone {@code phone} (Linked devices → Link with phone number);
     * completes once the device that asked for a code for that phone confirmed the pairing.
     */
    public Future<LinkedDevice> typeCode(String phone, String code) {
        if (phone == null || !PHONE.matcher(phone).matches()) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST, "phone must be 7 to 16 digits, no '+'"));
        }
        SandboxConnection connection = codeRequests.get(phone);
        if (connection == null) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_REF,
                    "no device is waiting for a code for this phone"));
        }
        Account account = account(phone);
        Promise<LinkedDevice> result = Promise.promise();
        connection.run(() -> connection.codeTyped(account, code, result));
        return result.future();
    }


    /** WebSockets currently open to the sandbox, paired or not. */
    public int openConnections() {
        return open.size();
    }

    public List<DeviceView> devices() {
        List<DeviceView> views = new ArrayList<>();
        for (LinkedDevice device : devices.values()) {
            SandboxConnection connection = online.get(device.deviceJid());
            long[] version = connection == null ? null : connection.version;
            views.add(new DeviceView(device.deviceJid(), device.phone(), device.lid(), device.platform(),
                    connection != null, preKeyCount(device.deviceJid()), version == null ? null : WebVersionPolicy.text(version),
                    keys.signedPreKeyId(device.deviceJid())));
        }
        views.sort(Comparator.comparing(DeviceView::deviceJid));
        return views;
    }

    /** Ends a device's stream the way WhatsApp does for {@code code}; 401 also unlinks it. */
    public Future<Void> disconnect(String deviceJid, int code) {
        if (!DisconnectCodes.SUPPORTED.contains(code)) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.BAD_REQUEST,
                    "code must be one of " + DisconnectCodes.SUPPORTED));
        }
        SandboxConnection connection = online.get(deviceJid);
        if (connection == null) {
            return unknownOrOffline(deviceJid);
        }
        if (code == 401 && devices.remove(deviceJid) != null) {
            devicesChanged(deviceJid, false);
        }
        connection.run(() -> connection.closeWith(DisconnectCodes.goodbye(code)));
        return Future.succeededFuture();
    }

    public Future<Void> drop(String deviceJid) {
        SandboxConnection connection = online.get(deviceJid);
        if (connection == null) {
            return unknownOrOffline(deviceJid);
        }
        connection.run(connection::cut);
        return Future.succeededFuture();
    }


    /** The phone unlinks the device: it is told so if online, and refused at its next login. */
    public Future<Void> remove(String deviceJid) {
        if (devices.remove(deviceJid) == null) {
            return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, "no such device"));
        }
        devicesChanged(deviceJid, false);
        SandboxConnection connection = online.get(deviceJid);
        if (connection != null) {
            connection.run(() -> connection.closeWith(Stanzas.deviceRemoved()));
        }
        return Future.succeededFuture();
    }

    private Future<Void> unknownOrOffline(String deviceJid) {
        String message = devices.containsKey(deviceJid) ? "device is not connected" : "no such device";
        return Future.failedFuture(new SandboxException(SandboxException.Kind.UNKNOWN_DEVICE, message));
    }

    /** Over every logged-in device, or only those of {@code phone} when given. */
    public KeepaliveView keepalives(String phone) {
        long now = System.nanoTime();
        int connections = 0;
        long pings = 0;
        long longest = 0;
        for (SandboxConnection connection : online.values()) {
            if (phone != null && (connection.device == null || !phone.equals(connection.device.phone()))) {
                continue;
            }
            connections++;
            pings += connection.handlers.pings();
            longest = Math.max(longest, connection.handlers.longestSilenceMillis(now));
        }
        return new KeepaliveView(connections, pings, longest);
    }

    // ---- used by connections -------------------------------------------------------------------

    /** The account of {@code phone}, created (with its phone's published Signal keys) on first use. */
    Account account(String phone) {
        return accounts.computeIfAbsent(phone, number -> {
            Account created = new Account(number);
            keys.upload(LinkedDevice.deviceJid(number, 0), created.published(), created.publishedOneTime());
            return created;
        });
    }


    /** The phone number a PN or LID jid belongs to ("" when neither). */
    String phoneOf(String jid) {
        String pn = toPhoneNumberJid(jid);
        if (!pn.endsWith(Stanzas.SERVER)) {
            return "";
        }
        String user = pn.substring(0, pn.length() - Stanzas.SERVER.length());
        return user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    }

    /** {@code phone@s.whatsapp.net} names device 0; {@code phone:n@s.whatsapp.net} device n; LID forms alike. */
    String deviceJidOf(String jid) {
        String pn = toPhoneNumberJid(jid);
        if (!pn.endsWith(Stanzas.SERVER)) {
            return pn;
        }
        String user = pn.substring(0, pn.length() - Stanzas.SERVER.length());
        return user.contains(":") ? pn : LinkedDevice.deviceJid(user, 0);
    }

    /** {@code phone:n@s.whatsapp.net} as {@code lidUser:n@lid} (device 0 without the suffix); null when unknown. */
    String lidDeviceJid(String deviceJid) {
        Account account = accounts.get(phoneOf(deviceJid));
        if (account == null) {
            return null;
        }
        String device = deviceJidOf(deviceJid);
        String number = device.substring(device.indexOf(':') + 1, device.indexOf('@'));
        return "0".equals(number) ? account.lidUser + "@lid" : account.lidUser + ":" + number + "@lid";
    }

    /** A bundle was handed out for {@code deviceJid}: a device running low is told so, as WhatsApp does. */
    void preKeysTaken(String deviceJid) {
        int left = keys.oneTimeCount(deviceJid);
        SandboxConnection connection = online.get(deviceJid);
        if (connection == null || left >= LOW_PRE_KEYS) {
            return;
        }
        Node notification = Node.withChildren("notification", Stanzas.attrs("from", Stanzas.SERVER, "type", "encrypt",
                "id", "prekeys-" + Long.toHexString(System.nanoTime()), "t", String.valueOf(now().getEpochSecond())),
                List.of(Node.of("count", Stanzas.attrs("value", String.valueOf(left)))));
        connection.run(() -> connection.send(notification));
    }

    /** {@code lidUser[:device]@lid} as the phone-number jid it stands for; other jids unchanged. */
    String toPhoneNumberJid(String jid) {
        if (!jid.endsWith("@lid")) {
            return jid;
        }
        String user = jid.substring(0, jid.length() - "@lid".length());
        String device = user.contains(":") ? user.substring(user.indexOf(':')) : "";
        String lidUser = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
        for (Account account : accounts.values()) {
            if (account.lidUser.equals(lidUser)) {
                return account.phone + device + Stanzas.SERVER;
            }
        }
        return jid;
    }

    /**
     * The account a number written by a person names: exactly its digits, or for a Brazilian mobile
     * number the same with the ninth digit added (12 digits) or dropped (13 digits); null when none.
     */
    Account canonicalAccount(String digits) {
        Account exact = accounts.get(digits);
        if (exact != null) {
            return exact;
        }
        if (digits.startsWith("55") && digits.length() == 12) {
            return accounts.get(digits.substring(0, 4) + "9" + digits.substring(4));
        }
        if (digits.startsWith("55") && digits.length() == 13 && digits.charAt(4) == '9') {
            return accounts.get(digits.substring(0, 4) + digits.substring(5));
        }
        return null;
    }

    Account existingAccount(String phone) {
        return accounts.get(phone);
    }

    /** Linked companion devices of {@code phone}, in device order. */
    List<LinkedDevice> devicesOf(String phone) {
        List<LinkedDevice> found = new ArrayList<>();
        for (LinkedDevice device : devices.values()) {
            if (device.phone().equals(phone)) {
                found.add(device);
            }
        }
        found.sort(Comparator.comparingInt(LinkedDevice::device));
        return found;
    }

    /** WhatsApp's groups: state, w:g2 IQs and w:gp2 notifications. */
    public Groups groups() {
        return groups;
    }

    GroupRelay groupRelay() {
        return groupRelay;
    }

    KeyDirectory keys() {
        return keys;
    }




    Pairing startPairing(SandboxConnection connection) {
        Pairing pairing = new Pairing(connection, options, now(), vertx);
        pairing.refs().forEach(ref -> pairingsByRef.put(ref, pairing));
        return pairing;
    }

    LinkedDevice link(PhonePairing phone, Registration registration) {
        LinkedDevice device = new LinkedDevice(phone.account.phone, phone.device, phone.deviceJid(), phone.lid(),
                registration, "android", phone.keyIndex);
        devices.put(device.deviceJid(), device);
        // As WhatsApp does, the registration's identity and signed pre-key make a bundle at once (without a
        // one-time key until the device uploads some): a peer may write to the device before its first upload.
        keys.upload(device.deviceJid(), new KeyDirectory.DeviceKeys(registration.registrationId(), registration.identityKey(),
                registration.signedPreKeyId(), registration.signedPreKey(), registration.signedPreKeySignature()), List.of());
        linkedAt.put(device.deviceJid(), System.nanoTime());
        devicesChanged(device.deviceJid(), true);
        return device;
    }

    /** The device a login names, if it is linked and presents the noise key it registered with. */
    LinkedDevice loginAllowed(String phone, int device, byte[] noiseKey) {
        LinkedDevice linked = devices.get(LinkedDevice.deviceJid(phone, device));
        if (linked == null || !MessageDigest.isEqual(linked.registration().noiseKey(), noiseKey)) {
            return null;
        }
        return linked;
    }

    void codeRequested(SandboxConnection connection, String phone) {
        codeRequests.values().removeIf(waiting -> waiting == connection);
        codeRequests.put(phone, connection);
    }

    void online(SandboxConnection connection) {
        SandboxConnection previous = online.put(connection.device.deviceJid(), connection);
        if (previous != null && previous != connection) {
            // A second login of the same device replaces the first, as WhatsApp does.
            previous.run(() -> previous.closeWith(Stanzas.replaced()));
        }
    }

    void offline(SandboxConnection connection) {
        open.remove(connection);
        if (connection.device != null) {
            online.remove(connection.device.deviceJid(), connection);
        }
        pairingsByRef.values().removeIf(pairing -> pairing.connection == connection);
        codeRequests.values().removeIf(waiting -> waiting == connection);
    }

    void unlink(String deviceJid) {
        boolean was = devices.remove(deviceJid) != null;
        keys.forget(deviceJid);
        if (was) {
            devicesChanged(deviceJid, false);
        }
    }

    /** Two accounts exchanged a 1:1 message: each hears of the other's device changes from now on. */
    void peers(String phone, String other) {
        if (!phone.equals(other) && !phone.isEmpty() && !other.isEmpty()) {
            peers.computeIfAbsent(phone, p -> ConcurrentHashMap.newKeySet()).add(other);
            peers.computeIfAbsent(other, p -> ConcurrentHashMap.newKeySet()).add(phone);
        }
    }

    /**
     * The companion devices of {@code phone} linked long enough ago that every peer has been told (a
     * 1:1 message to the account must reach each of them, and the phone itself).
     */
    List<String> settledDevicesOf(String phone) {
        long now = System.nanoTime();
        List<String> settled = new ArrayList<>();
        for (LinkedDevice device : devicesOf(phone)) {
            Long at = linkedAt.get(device.deviceJid());
            if (at == null || now - at > DEVICE_NEWS_GRACE_NANOS) {
                settled.add(device.deviceJid());
            }
        }
        return settled;
    }

    /**
     * A device was linked or unlinked: as WhatsApp does, every online device of the account's own, of
     * the accounts it exchanged messages with and of its groups' members gets
     * {@code <notification type="devices" from="phone@s.whatsapp.net" lid><add|remove device_hash><device jid/></…>}.
     */
    private void devicesChanged(String deviceJid, boolean added) {
        String phone = phoneOf(deviceJid);
        Account account = accounts.get(phone);
        if (account == null) {
            return;
        }
        java.util.Set<String> told = new java.util.HashSet<>();
        told.add(phone);
        told.addAll(peers.getOrDefault(phone, java.util.Set.of()));
        groups().of(phone).forEach(group -> told.addAll(group.members().keySet()));
        List<String> current = new ArrayList<>();
        current.add(LinkedDevice.deviceJid(phone, 0));
        devicesOf(phone).forEach(device -> current.add(device.deviceJid()));
        Node change = Node.withChildren(added ? "add" : "remove", Stanzas.attrs("device_hash", deviceHash(current)),
                List.of(Node.of("device", Stanzas.attrs("jid", deviceJid))));
        Node notification = Node.withChildren("notification", Stanzas.attrs("from", phone + Stanzas.SERVER, "lid",
                account.lidUser + "@lid", "type", "devices", "id", "devices-" + Long.toHexString(System.nanoTime()), "t",
                String.valueOf(now().getEpochSecond())), List.of(change));
        online.forEach((jid, connection) -> {
            if (!jid.equals(deviceJid) && told.contains(phoneOf(jid))) {
                connection.run(() -> connection.send(notification));
            }
        });
    }

    /** "2:" and the first 6 bytes of SHA-256 over the sorted device jids, base64 without padding (a list's fingerprint). */
    private static String deviceHash(List<String> deviceJids) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            deviceJids.stream().sorted().forEach(jid -> sha.update(jid.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            byte[] digest = java.util.Arrays.copyOf(sha.digest(), 6);
            return "2:" + java.util.Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    int preKeyCount(String deviceJid) {
        return keys.oneTimeCount(deviceJid);
    }

    SandboxIdentity identity() {
        return identity;
    }

    WebVersionPolicy webVersions() {
        return webVersions;
    }

    SandboxOptions options() {
        return options;
    }

    Vertx vertx() {
        return vertx;
    }

    /** WhatsApp's media servers, played over HTTPS on loopback ({@link MediaHost#start} before the first media_conn). */
    public MediaHost media() {
        return media;
    }

    Instant now() {
        return clock.instant();
    }
}
