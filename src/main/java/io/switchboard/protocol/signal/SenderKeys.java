package io.switchboard.protocol.signal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.switchboard.protocol.crypto.Bytes;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.Hkdf;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import io.switchboard.protocol.proto.SenderKeyDistributionMessage;
import io.switchboard.protocol.proto.SenderKeyMessage;
import io.switchboard.protocol.proto.SenderKeyRecord;
import io.switchboard.protocol.proto.SenderKeyState;
import io.switchboard.protocol.proto.SignalMessageKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;

/**
 * Sender keys, the group cipher WhatsApp's clients use: one chain per sender and group, its
 * distribution message sent to every member device through pairwise Signal sessions, then each
 * group message encrypted once ({@code skmsg}) and signed with the sender's signing key. Pure
 * functions over an immutable {@link SenderKeyRecord}, like {@link SessionCipher}: a failed
 * decryption answers nothing to store.
 */
public final class SenderKeys {

    /** States kept per sender and group (libsignal: 5), oldest dropped. */
    public static final int MAX_STATES = 5;
    /** Iterations a message may be ahead of its chain, and skipped keys kept (libsignal: 2000). */
    public static final int MAX_SKIP = 2000;
    private static final byte[] INFO = "WhisperGroup".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ZERO_SALT = new byte[32];
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A group message to put in {@code <enc type="skmsg">}, and our record advanced past it. */
    public record Encrypted(byte[] ciphertext, SenderKeyRecord record) {
    }

    /** The plaintext and the record to store. */
    public record Decrypted(byte[] plaintext, SenderKeyRecord record) {
    }

    /** What encrypts one group message: HKDF(seed, 32 zero bytes, "WhisperGroup", 48) split into IV and key. */
    record MessageKey(byte[] iv, byte[] cipherKey) {
    }

    private SenderKeys() {
    }

    /** A new key of our own: an id in [0, 2^31 − 1), a random chain key, a new signing pair; iteration 0. */
    public static SenderKeyRecord create() {
        byte[] chainKey = new byte[32];
        RANDOM.nextBytes(chainKey);
        KeyPair signing = Curve25519.generateKeyPair();
        SenderKeyState state = SenderKeyState.newBuilder().setId(RANDOM.nextInt(Integer.MAX_VALUE)).setIteration(0)
                .setChainKey(ByteString.copyFrom(chainKey)).setSigningPublic(ByteString.copyFrom(signing.publicKey()))
                .setSigningPrivate(ByteString.copyFrom(signing.privateKey())).build();
        return SenderKeyRecord.newBuilder().addStates(state).build();
    }

    /** Whether {@code record} holds a key of our own that can encrypt. */
    public static boolean canEncrypt(SenderKeyRecord record) {
        return record.getStatesCount() > 0 && !record.getStates(0).getSigningPrivate().isEmpty();
    }

    /** The distribution message of our key as it stands (its next iteration): 0x33 ‖ proto. */
    public static byte[] distribution(SenderKeyRecord own) {
        SenderKeyState state = own.getStates(0);
        byte[] body = SenderKeyDistributionMessage.newBuilder().setId(state.getId()).setIteration(state.getIteration())
                .setChainKey(state.getChainKey()).setSigningKey(ByteString.copyFrom(SignalKeys.typed(state.getSigningPublic()
                        .toByteArray()))).build().toByteArray();
        return Bytes.concat(new byte[] {SessionCipher.VERSION}, body);
    }

    /**
     * Takes another member's distribution message into its record: a new key id becomes the newest
     * state (at most {@link #MAX_STATES}); a key id already known is replaced only by an earlier
     * iteration of the same key, so a repeated distribution never loses messages in between.
     */
    public static SenderKeyRecord process(SenderKeyRecord record, byte[] distribution) throws SignalException {
        SenderKeyDistributionMessage message;
        try {
            checkVersion(distribution);
            message = SenderKeyDistributionMessage.parseFrom(Arrays.copyOfRange(distribution, 1, distribution.length));
        } catch (InvalidProtocolBufferException e) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "a sender-key distribution message that does not parse");
        }
        if (!message.hasId() || !message.hasIteration() || message.getChainKey().size() != 32) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "a sender-key distribution message needs an id, an"
                    + " iteration and a 32-byte chain key");
        }
        byte[] signing = SignalKeys.untyped(message.getSigningKey().toByteArray());
        SenderKeyState state = SenderKeyState.newBuilder().setId(message.getId()).setIteration(message.getIteration())
                .setChainKey(message.getChainKey()).setSigningPublic(ByteString.copyFrom(signing)).build();
        List<SenderKeyState> states = new ArrayList<>(record.getStatesList());
        for (int i = 0; i < states.size(); i++) {
            SenderKeyState known = states.get(i);
            if (known.getId() == message.getId()) {
                if (known.getSigningPublic().equals(state.getSigningPublic()) && known.getIteration() <= message.getIteration()) {
                    return record;
                }
                states.remove(i);
                break;
            }
        }
        states.add(0, state);
        return record.toBuilder().clearStates().addAllStates(states.subList(0, Math.min(MAX_STATES, states.size()))).build();
    }

    /** Encrypts {@code plaintext} (a padded message) with our newest key: 0x33 ‖ proto ‖ signature. */
    public static Encrypted encrypt(SenderKeyRecord own, byte[] plaintext) throws SignalException {
        if (!canEncrypt(own)) {
            throw new SignalException(SignalException.Kind.NO_SESSION, "no sender key of our own in this group");
        }
        SenderKeyState state = own.getStates(0);
        byte[] chainKey = state.getChainKey().toByteArray();
        MessageKey key = messageKey(Kdf.messageSeed(chainKey));
        byte[] ciphertext = cbc(Cipher.ENCRYPT_MODE, key, plaintext);
        byte[] body = Bytes.concat(new byte[] {SessionCipher.VERSION}, SenderKeyMessage.newBuilder().setId(state.getId())
                .setIteration(state.getIteration()).setCiphertext(ByteString.copyFrom(ciphertext)).build().toByteArray());
        byte[] signature = XEdDsa.sign(state.getSigningPrivate().toByteArray(), body);
        SenderKeyState next = state.toBuilder().setIteration(state.getIteration() + 1)
                .setChainKey(ByteString.copyFrom(Kdf.nextChainKey(chainKey))).build();
        return new Encrypted(Bytes.concat(body, signature), own.toBuilder().setStates(0, next).build());
    }

    /** Decrypts a group message of the sender whose record this is; checks the signature first. */
    public static Decrypted decrypt(SenderKeyRecord record, byte[] skmsg) throws SignalException {
        checkVersion(skmsg);
        if (skmsg.length < 1 + XEdDsa.SIGNATURE_SIZE) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "a sender-key message too short to carry a signature");
        }
        byte[] body = Arrays.copyOfRange(skmsg, 0, skmsg.length - XEdDsa.SIGNATURE_SIZE);
        byte[] signature = Arrays.copyOfRange(skmsg, skmsg.length - XEdDsa.SIGNATURE_SIZE, skmsg.length);
        SenderKeyMessage message;
        try {
            message = SenderKeyMessage.parseFrom(Arrays.copyOfRange(body, 1, body.length));
        } catch (InvalidProtocolBufferException e) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "a sender-key message that does not parse");
        }
        int index = -1;
        for (int i = 0; i < record.getStatesCount(); i++) {
            if (record.getStates(i).getId() == message.getId()) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            throw new SignalException(SignalException.Kind.NO_SESSION, "no sender key " + message.getId() + " from this sender");
        }
        SenderKeyState state = record.getStates(index);
        if (!XEdDsa.verify(state.getSigningPublic().toByteArray(), body, signature)) {
            throw new SignalException(SignalException.Kind.BAD_SIGNATURE, "the sender-key message is not signed by its sender");
        }
        int iteration = message.getIteration();
        SenderKeyState.Builder next = state.toBuilder();
        byte[] seed;
        if (iteration < state.getIteration()) {
            int skipped = -1;
            for (int i = 0; i < state.getSkippedCount(); i++) {
                if (state.getSkipped(i).getCounter() == iteration) {
                    skipped = i;
                    break;
                }
            }
            if (skipped < 0) {
                throw new SignalException(SignalException.Kind.DUPLICATE, "sender-key iteration " + iteration + " was used already");
            }
            seed = state.getSkipped(skipped).getSeed().toByteArray();
            next.removeSkipped(skipped);
        } else {
            if (iteration - state.getIteration() > MAX_SKIP) {
                throw new SignalException(SignalException.Kind.TOO_FAR_AHEAD, "more than " + MAX_SKIP + " messages into the future");
            }
            byte[] chainKey = state.getChainKey().toByteArray();
            for (int at = state.getIteration(); at < iteration; at++) {
                next.addSkipped(SignalMessageKey.newBuilder().setCounter(at).setSeed(ByteString.copyFrom(Kdf.messageSeed(chainKey))));
                chainKey = Kdf.nextChainKey(chainKey);
            }
            while (next.getSkippedCount() > MAX_SKIP) {
                next.removeSkipped(0);
            }
            seed = Kdf.messageSeed(chainKey);
            next.setIteration(iteration + 1).setChainKey(ByteString.copyFrom(Kdf.nextChainKey(chainKey)));
        }
        byte[] plaintext = cbc(Cipher.DECRYPT_MODE, messageKey(seed), message.getCiphertext().toByteArray());
        return new Decrypted(plaintext, record.toBuilder().setStates(index, next).build());
    }

    static MessageKey messageKey(byte[] seed) {
        byte[] out = Hkdf.sha256(seed, ZERO_SALT, INFO, 48);
        return new MessageKey(Arrays.copyOfRange(out, 0, 16), Arrays.copyOfRange(out, 16, 48));
    }

    static byte[] cbc(int mode, MessageKey key, byte[] input) throws SignalException {
        return SessionCipher.cbc(mode, new Kdf.MessageKeys(key.cipherKey(), null, key.iv()), input);
    }

    private static void checkVersion(byte[] message) throws SignalException {
        if (message == null || message.length < 2) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "an empty sender-key message");
        }
        int version = message[0] & 0xff;
        if ((version >> 4) != 3) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "incompatible version byte " + version);
        }
    }
}
