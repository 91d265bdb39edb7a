package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * WhatsApp's directory of Signal keys: what each device uploaded (registration id, identity,
 * signed pre-key, one-time pre-keys) and the bundles handed out from it, each one-time key once.
 */
final class KeyDirectory {

    /** One uploaded or minted one-time pre-key: 3-byte id and 32-byte public key. */
    record PreKey(byte[] id, byte[] publicKey) {
    }

    /** A device's published keys. */
    static final class DeviceKeys {
        final int registrationId;
        final byte[] identity;
        final byte[] signedId;
        final byte[] signedKey;
        final byte[] signature;
        final Deque<PreKey> oneTime = new ArrayDeque<>();

        DeviceKeys(int registrationId, byte[] identity, byte[] signedId, byte[] signedKey, byte[] signature) {
            this.registrationId = registrationId;
            this.identity = identity.clone();
            this.signedId = signedId.clone();
            this.signedKey = signedKey.clone();
            this.signature = signature.clone();
        }
    }

    private final Map<String, DeviceKeys> devices = new ConcurrentHashMap<>();

    /** Keys uploaded by {@code deviceJid} ({@code <iq xmlns="encrypt" type="set">}); replaces the signed pre-key, adds one-time keys. */
    synchronized void upload(String deviceJid, DeviceKeys uploaded, List<PreKey> oneTime) {
        DeviceKeys previous = devices.get(deviceJid);
        if (previous != null) {
            uploaded.oneTime.addAll(previous.oneTime);
        }
        uploaded.oneTime.addAll(oneTime);
        devices.put(deviceJid, uploaded);
    }

    /** The device's new signed pre-key (already checked) replaces the old one; its one-time keys stay. */
    synchronized void rotate(String deviceJid, byte[] signedId, byte[] signedKey, byte[] signature) {
        DeviceKeys old = devices.get(deviceJid);
        if (old == null) {
            return;
        }
        DeviceKeys rotated = new DeviceKeys(old.registrationId, old.identity, signedId, signedKey, signature);
        rotated.oneTime.addAll(old.oneTime);
        devices.put(deviceJid, rotated);
    }

    /** The id of the signed pre-key bundles hand out for {@code deviceJid}; -1 when it published none. */
    synchronized int signedPreKeyId(String deviceJid) {
        DeviceKeys keys = devices.get(deviceJid);
        return keys == null ? -1 : int3(keys.signedId);
    }

    synchronized int oneTimeCount(String deviceJid) {
        DeviceKeys keys = devices.get(deviceJid);
        return keys == null ? 0 : keys.oneTime.size();
    }

    synchronized boolean has(String deviceJid) {
        return devices.containsKey(deviceJid);
    }

    synchronized void forget(String deviceJid) {
        devices.remove(deviceJid);
    }

    /** A bundle for {@code deviceJid} as the Signal code takes it, taking one one-time key; null when it published nothing. */
    synchronized io.switchboard.protocol.signal.PreKeyBundle takeBundle(String deviceJid) {
        DeviceKeys keys = devices.get(deviceJid);
        if (keys == null) {
            return null;
        }
        PreKey oneTime = keys.oneTime.poll();
        return new io.switchboard.protocol.signal.PreKeyBundle(keys.registrationId, keys.identity, int3(keys.signedId), keys.signedKey,
                keys.signature, oneTime == null ? null : int3(oneTime.id()), oneTime == null ? null : oneTime.publicKey());
    }

    private static int int3(byte[] id) {
        return ((id[0] & 0xff) << 16) | ((id[1] & 0xff) << 8) | (id[2] & 0xff);
    }

    /** A bundle for {@code deviceJid} in WhatsApp's form, taking one one-time key; null when it published nothing. */
    synchronized Node bundle(String requestedJid, String deviceJid) {
        DeviceKeys keys = devices.get(deviceJid);
        if (keys == null) {
            return null;
        }
        List<Node> children = new ArrayList<>();
        children.add(Node.withBytes("registration", Stanzas.attrs(), ByteBuffer.allocate(4).putInt(keys.registrationId).array()));
        children.add(Node.withBytes("type", Stanzas.attrs(), new byte[] {5}));
        children.add(Node.withBytes("identity", Stanzas.attrs(), keys.identity));
        children.add(Node.withChildren("skey", Stanzas.attrs(), List.of(
                Node.withBytes("id", Stanzas.attrs(), keys.signedId),
                Node.withBytes("value", Stanzas.attrs(), keys.signedKey),
                Node.withBytes("signature", Stanzas.attrs(), keys.signature))));
        PreKey oneTime = keys.oneTime.poll();
        if (oneTime != null) {
            children.add(Node.withChildren("key", Stanzas.attrs(), List.of(
                    Node.withBytes("id", Stanzas.attrs(), oneTime.id()),
                    Node.withBytes("value", Stanzas.attrs(), oneTime.publicKey()))));
        }
        return Node.withChildren("user", Stanzas.attrs("jid", requestedJid), children);
    }
}
