package io.switchboard.sandbox.server;

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
 * A strict local WhatsApp: the server side of the transport, a registry of accounts and linked
 * devices, and the simulated phones that scan QR codes. Framework-free; the Quarkus glue mounts
 * it and exposes its admin operations.
 */
public final class SandboxServer {

    /** A linked device as the admin API shows it. */
    public record DeviceView(String deviceJid, String phone, String lid, String platform, boolean online, int preKeys) {
    }

    private static final Pattern PHONE = Pattern.compile("[1-9][0-9]{6,15}");

    private final Vertx vertx;
    private final SandboxOptions options;
    private final Clock clock;
    private final SandboxIdentity identity;
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private final Map<String, LinkedDevice> devices = new ConcurrentHashMap<>();
    private final Map<String, SandboxConnection> online = new ConcurrentHashMap<>();
    private final Map<String, Pairing> pairingsByRef = new ConcurrentHashMap<>();
    private final Map<String, Integer> preKeys = new ConcurrentHashMap<>();
    private final java.util.Set<SandboxConnection> open = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong rejections = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong unexpected = new java.util.concurrent.atomic.AtomicLong();

    public SandboxServer(Vertx vertx, SandboxOptions options, Clock clock) {
        this.vertx = vertx;
        this.options = options;
        this.clock = clock;
        this.identity = new SandboxIdentity(clock.instant());
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
            Account account = accounts.computeIfAbsent(phone, Account::new);
            Promise<LinkedDevice> result = Promise.promise();
            pairing.connection.run(() -> pairing.connection.scanned(new PhonePairing(account, text, now()), text, result));
            return result.future();
        } catch (SandboxException e) {
            return Future.failedFuture(e);
        }
    }

    /** Connections closed because a peer's bytes broke the protocol, with a typed error. */
    public long protocolRejections() {
        return rejections.get();
    }

    /** Connections closed because a peer's bytes provoked anything else (must stay 0: each is a bug). */
    public long unexpectedFailures() {
        return unexpected.get();
    }

    void rejected(boolean typed) {
        (typed ? rejections : unexpected).incrementAndGet();
    }

    /** WebSockets currently open to the sandbox, paired or not. */
    public int openConnections() {
        return open.size();
    }

    public List<DeviceView> devices() {
        List<DeviceView> views = new ArrayList<>();
        for (LinkedDevice device : devices.values()) {
            views.add(new DeviceView(device.deviceJid(), device.phone(), device.lid(), device.platform(),
                    online.containsKey(device.deviceJid()), preKeyCount(device.deviceJid())));
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
        if (code == 401) {
            devices.remove(deviceJid);
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

    // ---- used by connections -------------------------------------------------------------------

    Pairing startPairing(SandboxConnection connection) {
        Pairing pairing = new Pairing(connection, options, now(), vertx);
        pairing.refs().forEach(ref -> pairingsByRef.put(ref, pairing));
        return pairing;
    }

    LinkedDevice link(PhonePairing phone, Registration registration) {
        LinkedDevice device = new LinkedDevice(phone.account.phone, phone.device, phone.deviceJid(), phone.lid(),
                registration, "android");
        devices.put(device.deviceJid(), device);
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
    }

    void unlink(String deviceJid) {
        devices.remove(deviceJid);
    }

    int preKeyCount(String deviceJid) {
        return preKeys.getOrDefault(deviceJid, 0);
    }

    void addPreKeys(String deviceJid, int count) {
        preKeys.merge(deviceJid, count, Integer::sum);
    }

    SandboxIdentity identity() {
        return identity;
    }

    SandboxOptions options() {
        return options;
    }

    Vertx vertx() {
        return vertx;
    }

    Instant now() {
        return clock.instant();
    }
}
