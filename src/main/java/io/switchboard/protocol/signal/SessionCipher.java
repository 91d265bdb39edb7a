package io.switchboard.protocol.signal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.switchboard.protocol.crypto.Bytes;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.Hmac;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.PreKeyWhisperMessage;
import io.switchboard.protocol.proto.SignalChain;
import io.switchboard.protocol.proto.SignalPendingPreKey;
import io.switchboard.protocol.proto.SignalSession;
import io.switchboard.protocol.proto.SignalSessionRecord;
import io.switchboard.protocol.proto.WhisperMessage;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signal sessions with one remote device, as WhatsApp's libsignal runs them: X3DH from a pre-key
 * bundle or from a pkmsg, then the Double Ratchet. Pure functions over an immutable
 * {@link SignalSessionRecord}: every call answers the record to store, and a failed decryption
 * answers nothing, so the stored state only moves when a message really decrypted.
 */
public final class SessionCipher {

    /** Signal protocol version 3 in both nibbles. */
    static final byte VERSION = 0x33;
    static final int MAC_SIZE = 8;
    /** Message keys derived ahead of a chain at most (libsignal: 2000). */
    public static final int MAX_SKIP = 2000;
    /** Sessions kept per device, the open one and the archived ones (libsignal-node: 40). */
    static final int MAX_SESSIONS = 40;
    /** Closed receiving chains kept per session, for late messages of an earlier ratchet. */
    static final int MAX_OLD_CHAINS = 5;

    /** A message to put in {@code <enc type>}: "pkmsg" while the peer has not answered yet, then "msg". */
    public record Encrypted(String type, byte[] ciphertext, SignalSessionRecord record) {
    }

    /** The plaintext, the record to store, and the one-time pre-key to delete (null if none was used). */
    public record Decrypted(byte[] plaintext, SignalSessionRecord record, Integer usedPreKeyId) {
    }

    private final LocalIdentity us;
    private final Supplier<KeyPair> keys;
    private final java.util.function.LongSupplier clock;

    public SessionCipher(LocalIdentity us) {
        this(us, Curve25519::generateKeyPair, System::currentTimeMillis);
    }

    /** With a key source and clock of the caller's choosing (deterministic tests). */
    public SessionCipher(LocalIdentity us, Supplier<KeyPair> keys, java.util.function.LongSupplier clock) {
        this.us = us;
        this.keys = keys;
        this.clock = clock;
    }

    /** Whether {@code record} holds an open session (one that can encrypt). */
    public static boolean hasOpenSession(SignalSessionRecord record) {
        return SessionRecords.openIndex(record) >= 0;
    }

    // ---- starting a session from a bundle (X3DH, initiator) ---------------------------------------

    /** Starts a session from {@code bundle}; an open session in {@code record} is archived, not lost. */
    public SignalSessionRecord initiate(SignalSessionRecord record, PreKeyBundle bundle) throws SignalException {
        byte[] identity = SignalKeys.untyped(bundle.identityKey());
        byte[] signedPreKey = SignalKeys.untyped(bundle.signedPreKey());
        if (bundle.signedPreKeySignature() == null || bundle.signedPreKeySignature().length != 64
                || !XEdDsa.verify(identity, SignalKeys.typed(signedPreKey), bundle.signedPreKeySignature())) {
            throw new SignalException(SignalException.Kind.BAD_SIGNATURE, "the signed pre-key is not signed by the identity key");
        }
        byte[] oneTime = bundle.preKeyId() == null ? null : SignalKeys.untyped(bundle.preKey());
        KeyPair base = keys.get();
        byte[] secret = Bytes.concat(filler(), dh(us.identityKey().privateKey(), signedPreKey),
                dh(base.privateKey(), identity), dh(base.privateKey(), signedPreKey),
                oneTime == null ? new byte[0] : dh(base.privateKey(), oneTime));
        byte[] root = Kdf.x3dh(secret).root();
        KeyPair ratchet = keys.get();
        Kdf.RootAndChain sending = Kdf.ratchet(root, dh(ratchet.privateKey(), signedPreKey));
        SignalPendingPreKey.Builder pending = SignalPendingPreKey.newBuilder()
                .setSignedPreKeyId(bundle.signedPreKeyId()).setBaseKey(bs(base.publicKey()));
        if (bundle.preKeyId() != null) {
            pending.setPreKeyId(bundle.preKeyId());
        }
        SignalSession session = SignalSession.newBuilder()
                .setRemoteRegistrationId(bundle.registrationId())
                .setRemoteIdentity(bs(identity))
                .setRootKey(bs(sending.root()))
                .setRatchetPublic(bs(ratchet.publicKey()))
                .setRatchetPrivate(bs(ratchet.privateKey()))
                .setRemoteRatchetKey(bs(signedPreKey))
                .setPreviousCounter(0)
                .setBaseKey(bs(base.publicKey()))
                .setBaseKeyOurs(true)
                .setClosed(false)
                .setLastUsedMillis(clock.getAsLong())
                .addChains(SignalChain.newBuilder().setRatchetKey(bs(ratchet.publicKey())).setSending(true)
                        .setChainKey(bs(sending.chain())).setNext(0))
                .setPendingPreKey(pending)
                .build();
        return SessionRecords.withFirst(SessionRecords.archiveOpen(record), session);
    }

    // ---- encrypt ----------------------------------------------------------------------------------

    public Encrypted encrypt(SignalSessionRecord record, byte[] plaintext) throws SignalException {
        int index = SessionRecords.openIndex(record);
        if (index < 0) {
            throw new SignalException(SignalException.Kind.NO_SESSION, "no open session with this device");
        }
        SignalSession session = record.getSessions(index);
        int chainIndex = SessionRecords.chainIndex(session, session.getRatchetPublic(), true);
        if (chainIndex < 0) {
            throw new SignalException(SignalException.Kind.NO_SESSION, "the open session has no sending chain");
        }
        SignalChain chain = session.getChains(chainIndex);
        byte[] chainKey = chain.getChainKey().toByteArray();
        int counter = chain.getNext();
        Kdf.MessageKeys messageKeys = Kdf.messageKeys(Kdf.messageSeed(chainKey));
        byte[] body = Bytes.concat(new byte[] {VERSION}, WhisperMessage.newBuilder()
                .setEphemeralKey(bs(SignalKeys.typed(session.getRatchetPublic().toByteArray())))
                .setCounter(counter)
                .setPreviousCounter(session.getPreviousCounter())
                .setCiphertext(bs(cbc(Cipher.ENCRYPT_MODE, messageKeys, plaintext)))
                .build().toByteArray());
        byte[] whisper = Bytes.concat(body, mac(messageKeys.macKey(), us.identityKey().publicKey(),
                session.getRemoteIdentity().toByteArray(), body));
        SignalSession updated = session.toBuilder()
                .setChains(chainIndex, chain.toBuilder().setChainKey(bs(Kdf.nextChainKey(chainKey))).setNext(counter + 1))
                .setLastUsedMillis(clock.getAsLong())
                .build();
        SignalSessionRecord next = SessionRecords.withFirst(SessionRecords.without(record, index), updated);
        if (!session.hasPendingPreKey()) {
            return new Encrypted("msg", whisper, next);
        }
        SignalPendingPreKey pending = session.getPendingPreKey();
        PreKeyWhisperMessage.Builder preKey = PreKeyWhisperMessage.newBuilder();
        if (pending.hasPreKeyId()) {
            preKey.setPreKeyId(pending.getPreKeyId());
        }
        byte[] message = preKey.setBaseKey(bs(SignalKeys.typed(pending.getBaseKey().toByteArray())))
                .setIdentityKey(bs(SignalKeys.typed(us.identityKey().publicKey())))
                .setMessage(bs(whisper))
                .setRegistrationId(us.registrationId())
                .setSignedPreKeyId(pending.getSignedPreKeyId())
                .build().toByteArray();
        return new Encrypted("pkmsg", Bytes.concat(new byte[] {VERSION}, message), next);
    }

    // ---- decrypt ----------------------------------------------------------------------------------

    /** A {@code pkmsg}: the session it names (re-sent) or a new one from our pre-keys (X3DH, responder). */
    public Decrypted decryptPreKey(SignalSessionRecord record, PreKeySource preKeys, byte[] message) throws SignalException {
        checkVersion(message);
        PreKeyWhisperMessage parsed;
        try {
            parsed = PreKeyWhisperMessage.parseFrom(Arrays.copyOfRange(message, 1, message.length));
        } catch (InvalidProtocolBufferException e) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "not a PreKeyWhisperMessage");
        }
        if (!parsed.hasBaseKey() || !parsed.hasIdentityKey() || !parsed.hasMessage() || !parsed.hasSignedPreKeyId()) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "PreKeyWhisperMessage lacks a field");
        }
        byte[] baseKey = SignalKeys.untyped(parsed.getBaseKey().toByteArray());
        byte[] identity = SignalKeys.untyped(parsed.getIdentityKey().toByteArray());
        byte[] inner = parsed.getMessage().toByteArray();
        for (int i = 0; i < record.getSessionsCount(); i++) {
            SignalSession known = record.getSessions(i);
            if (!known.getBaseKeyOurs() && Arrays.equals(known.getBaseKey().toByteArray(), baseKey)) {
                // The peer sends pkmsg until we answer: the same session, no new X3DH.
                Step step = decryptWith(known, inner);
                return new Decrypted(step.plaintext(), SessionRecords.followPeer(record, i, step.session()), null);
            }
        }
        if (!parsed.hasRegistrationId()) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "PreKeyWhisperMessage without registrationId");
        }
        KeyPair signedPreKey = preKeys.signedPreKey(parsed.getSignedPreKeyId());
        if (signedPreKey == null) {
            throw new SignalException(SignalException.Kind.UNKNOWN_PRE_KEY, "unknown signed pre-key " + parsed.getSignedPreKeyId());
        }
        KeyPair oneTime = null;
        if (parsed.hasPreKeyId()) {
            oneTime = preKeys.preKey(parsed.getPreKeyId());
            if (oneTime == null) {
                throw new SignalException(SignalException.Kind.UNKNOWN_PRE_KEY, "unknown one-time pre-key " + parsed.getPreKeyId());
            }
        }
        byte[] secret = Bytes.concat(filler(), dh(signedPreKey.privateKey(), identity),
                dh(us.identityKey().privateKey(), baseKey), dh(signedPreKey.privateKey(), baseKey),
                oneTime == null ? new byte[0] : dh(oneTime.privateKey(), baseKey));
        SignalSession fresh = SignalSession.newBuilder()
                .setRemoteRegistrationId(parsed.getRegistrationId())
                .setRemoteIdentity(bs(identity))
                .setRootKey(bs(Kdf.x3dh(secret).root()))
                .setRatchetPublic(bs(signedPreKey.publicKey()))
                .setRatchetPrivate(bs(signedPreKey.privateKey()))
                .setRemoteRatchetKey(bs(baseKey))
                .setPreviousCounter(0)
                .setBaseKey(bs(baseKey))
                .setBaseKeyOurs(false)
                .setClosed(false)
                .setLastUsedMillis(clock.getAsLong())
                .build();
        Step step = decryptWith(fresh, inner);
        return new Decrypted(step.plaintext(), SessionRecords.withFirst(SessionRecords.archiveOpen(record), step.session()),
                parsed.hasPreKeyId() ? parsed.getPreKeyId() : null);
    }

    /** A {@code msg}: tried with every session, the open one first, then archived ones by recency. */
    public Decrypted decrypt(SignalSessionRecord record, byte[] message) throws SignalException {
        checkVersion(message);
        if (record.getSessionsCount() == 0) {
            throw new SignalException(SignalException.Kind.NO_SESSION, "no session with this device");
        }
        SignalException first = null;
        StringBuilder tried = new StringBuilder();
        for (int i = 0; i < record.getSessionsCount(); i++) {
            try {
                Step step = decryptWith(record.getSessions(i), message);
                return new Decrypted(step.plaintext(), SessionRecords.followPeer(record, i, step.session()), null);
            } catch (SignalException e) {
                if (first == null || e.kind() == SignalException.Kind.DUPLICATE) {
                    first = e;
                }
                tried.append(i == 0 ? "" : "; ").append(record.getSessions(i).getClosed() ? "archived " : "open ")
                        .append(e.getMessage());
            }
        }
        throw new SignalException(first.kind(), first.getMessage() + " (sessions tried: " + tried + ")");
    }

    // ---- the ratchet ------------------------------------------------------------------------------

    /** One decryption: the session as it must be stored afterwards, and the plaintext. */
    private record Step(SignalSession session, byte[] plaintext) {
    }

    /** Decrypts a serialized WhisperMessage with {@code session}; answers the advanced session. */
    private Step decryptWith(SignalSession session, byte[] whisper) throws SignalException {
        checkVersion(whisper);
        if (whisper.length < 1 + MAC_SIZE + 1) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "WhisperMessage too short");
        }
        byte[] body = Arrays.copyOfRange(whisper, 0, whisper.length - MAC_SIZE);
        byte[] theirMac = Arrays.copyOfRange(whisper, whisper.length - MAC_SIZE, whisper.length);
        WhisperMessage parsed;
        try {
            parsed = WhisperMessage.parseFrom(Arrays.copyOfRange(body, 1, body.length));
        } catch (InvalidProtocolBufferException e) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "not a WhisperMessage");
        }
        if (!parsed.hasEphemeralKey() || !parsed.hasCounter() || !parsed.hasCiphertext()) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "WhisperMessage lacks a field");
        }
        byte[] remoteRatchet = SignalKeys.untyped(parsed.getEphemeralKey().toByteArray());
        long counter = Integer.toUnsignedLong(parsed.getCounter());
        SignalSession.Builder next = session.toBuilder();
        stepRatchet(next, remoteRatchet, parsed.getPreviousCounter());
        int chainIndex = SessionRecords.chainIndex(next, bs(remoteRatchet), false);
        if (chainIndex < 0) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "no receiving chain for this ratchet key");
        }
        SignalChain.Builder chain = next.getChains(chainIndex).toBuilder();
        byte[] seed = SessionRecords.takeSeed(chain, counter);
        next.setChains(chainIndex, chain);
        Kdf.MessageKeys messageKeys = Kdf.messageKeys(seed);
        byte[] expected = mac(messageKeys.macKey(), next.getRemoteIdentity().toByteArray(), us.identityKey().publicKey(), body);
        if (!MessageDigest.isEqual(expected, theirMac)) {
            throw new SignalException(SignalException.Kind.BAD_MAC, "Bad MAC");
        }
        byte[] plaintext = cbc(Cipher.DECRYPT_MODE, messageKeys, parsed.getCiphertext().toByteArray());
        next.clearPendingPreKey().setLastUsedMillis(clock.getAsLong());
        return new Step(next.build(), plaintext);
    }

    /** A new remote ratchet key: close the old receiving chain, derive receiving and sending chains. */
    private void stepRatchet(SignalSession.Builder session, byte[] remoteRatchet, int previousCounter) throws SignalException {
        if (SessionRecords.chainIndex(session, bs(remoteRatchet), false) >= 0) {
            return;
        }
        // An archived session still ratchets, as libsignal's does: when both sides start a session at
        // once, each keeps answering on the one the other archived.
        int old = SessionRecords.chainIndex(session, session.getRemoteRatchetKey(), false);
        if (old >= 0) {
            SignalChain.Builder closing = session.getChains(old).toBuilder();
            long last = previousCounter < 0 ? -1 : previousCounter;
            if (closing.hasChainKey() && last >= closing.getNext()) {
                SessionRecords.fill(closing, last + 1);
            }
            session.setChains(old, closing.clearChainKey());
        }
        byte[] ourPrivate = session.getRatchetPrivate().toByteArray();
        Kdf.RootAndChain receiving = Kdf.ratchet(session.getRootKey().toByteArray(), dh(ourPrivate, remoteRatchet));
        session.addChains(SignalChain.newBuilder().setRatchetKey(bs(remoteRatchet)).setSending(false)
                .setChainKey(bs(receiving.chain())).setNext(0));
        int sending = SessionRecords.chainIndex(session, session.getRatchetPublic(), true);
        if (sending >= 0) {
            session.setPreviousCounter(session.getChains(sending).getNext() - 1);
            session.removeChains(sending);
        }
        KeyPair fresh = keys.get();
        Kdf.RootAndChain nextSending = Kdf.ratchet(receiving.root(), dh(fresh.privateKey(), remoteRatchet));
        session.setRootKey(bs(nextSending.root()))
                .setRatchetPublic(bs(fresh.publicKey()))
                .setRatchetPrivate(bs(fresh.privateKey()))
                .setRemoteRatchetKey(bs(remoteRatchet))
                .addChains(SignalChain.newBuilder().setRatchetKey(bs(fresh.publicKey())).setSending(true)
                        .setChainKey(bs(nextSending.chain())).setNext(0));
        SessionRecords.dropOldChains(session);
    }


    // ---- helpers --------------------------------------------------------------------------------------

    static void checkVersion(byte[] message) throws SignalException {
        if (message == null || message.length < 2) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "empty Signal message");
        }
        int version = message[0] & 0xff;
        if ((version >> 4) < 3 || (version & 0x0f) > 3) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "incompatible version byte " + version);
        }
    }

    /** HMAC-SHA256 over sender identity ‖ receiver identity (33-byte forms) ‖ body, first 8 bytes. */
    static byte[] mac(byte[] key, byte[] senderIdentity, byte[] receiverIdentity, byte[] body) {
        byte[] full = Hmac.sha256(key, SignalKeys.typed(senderIdentity), SignalKeys.typed(receiverIdentity), body);
        return Arrays.copyOf(full, MAC_SIZE);
    }

    static byte[] cbc(int mode, Kdf.MessageKeys keys, byte[] input) throws SignalException {
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cipher.init(mode, new SecretKeySpec(keys.cipherKey(), "AES"), new IvParameterSpec(keys.iv()));
            return cipher.doFinal(input);
        } catch (javax.crypto.BadPaddingException | javax.crypto.IllegalBlockSizeException e) {
            throw new SignalException(SignalException.Kind.BAD_MAC, "ciphertext does not decrypt");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CBC unavailable", e);
        }
    }

    static byte[] dh(byte[] privateKey, byte[] publicKey) throws SignalException {
        try {
            return Curve25519.agree(privateKey, publicKey);
        } catch (CryptoException e) {
            throw new SignalException(SignalException.Kind.INVALID_KEY, e.getMessage());
        }
    }

    static byte[] filler() {
        byte[] ff = new byte[32];
        Arrays.fill(ff, (byte) 0xff);
        return ff;
    }

    static ByteString bs(byte[] bytes) {
        return ByteString.copyFrom(bytes);
    }
}
