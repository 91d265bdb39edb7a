package io.switchboard.protocol.media;

import com.google.protobuf.InvalidProtocolBufferException;
import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.crypto.AesGcm;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.proto.MediaRetryNotification;
import io.switchboard.protocol.proto.ServerErrorReceipt;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The media retry: when a media host no longer has a file (403, 404, 410), the device asks its
 * phone to upload it again with a {@code <receipt type="server-error">} to its own account, whose
 * {@code <enc_p>} is {@code ServerErrorReceipt{stanzaId}} sealed with AES-256-GCM under the media
 * key's retry key ({@link MediaKeys#retryKey}), the message id as associated data. The phone
 * answers with a {@code <notification type="mediaretry">} carrying {@code MediaRetryNotification}
 * sealed the same way (a new direct path on success), or an {@code <error code>}.
 */
public final class MediaRetry {

    /** What the phone answered. */
    public enum Result {
        /** The phone uploaded the file again: download it from {@link Answer#directPath()}. */
        SUCCESS,
        /** The phone no longer has the file. */
        NOT_FOUND,
        /** The phone could not read the request (the key did not match). */
        DECRYPTION_ERROR,
        /** Anything else the phone or WhatsApp answered. */
        GENERAL_ERROR
    }

    /** The answer to a retry request: the result and, on success, where the file is now. */
    public record Answer(String messageId, Result result, String directPath) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private MediaRetry() {
    }

    /**
     * The request for the file of message {@code messageId}, received in {@code chatJid} (sent by
     * us when {@code fromMe}; {@code participant}: the sender in a group, else null), addressed to
     * {@code ownUserJid} (our account, no device).
     */
    public static Node request(String messageId, String ownUserJid, String chatJid, boolean fromMe, String participant,
            byte[] mediaKey) {
        byte[] iv = new byte[AesGcm.IV_SIZE];
        RANDOM.nextBytes(iv);
        byte[] plaintext = ServerErrorReceipt.newBuilder().setStanzaId(messageId).build().toByteArray();
        byte[] sealed = AesGcm.encrypt(MediaKeys.retryKey(mediaKey), iv, messageId.getBytes(StandardCharsets.UTF_8), plaintext);
        Map<String, String> rmr = attrs("jid", chatJid, "from_me", String.valueOf(fromMe));
        if (participant != null) {
            rmr.put("participant", participant);
        }
        return Node.withChildren("receipt", attrs("id", messageId, "to", ownUserJid, "type", "server-error"), List.of(
                Node.withChildren("encrypt", attrs(), List.of(Node.withBytes("enc_p", attrs(), sealed),
                        Node.withBytes("enc_iv", attrs(), iv))),
                Node.of("rmr", rmr)));
    }

    /** Whether {@code notification} answers a media retry. */
    public static boolean isAnswer(Node notification) {
        return "notification".equals(notification.tag()) && "mediaretry".equals(notification.attribute("type").orElse(""));
    }

    /**
     * Reads a {@code mediaretry} notification for a message whose media key is {@code mediaKey}.
     * An {@code <error code="2">} is {@link Result#NOT_FOUND}; a payload that does not open, or
     * names another message, fails with {@link MediaDecryptor.CorruptMediaException}.
     */
    public static Answer read(Node notification, byte[] mediaKey) throws MediaDecryptor.CorruptMediaException {
        String id = notification.attribute("id").orElse("");
        if (id.isEmpty()) {
            throw new MediaDecryptor.CorruptMediaException("a mediaretry notification without an id");
        }
        Node error = notification.child("error").orElse(null);
        if (error != null) {
            return new Answer(id, "2".equals(error.attribute("code").orElse("")) ? Result.NOT_FOUND : Result.GENERAL_ERROR, null);
        }
        Node encrypt = notification.child("encrypt").orElse(null);
        byte[] payload = encrypt == null ? null : encrypt.child("enc_p").flatMap(Node::bytes).orElse(null);
        byte[] iv = encrypt == null ? null : encrypt.child("enc_iv").flatMap(Node::bytes).orElse(null);
        if (payload == null || iv == null || iv.length != AesGcm.IV_SIZE) {
            throw new MediaDecryptor.CorruptMediaException("a mediaretry notification with neither an error nor enc_p and a"
                    + " 12-byte enc_iv");
        }
        MediaRetryNotification answer;
        try {
            answer = MediaRetryNotification.parseFrom(AesGcm.decrypt(MediaKeys.retryKey(mediaKey), iv,
                    id.getBytes(StandardCharsets.UTF_8), payload));
        } catch (CryptoException e) {
            throw new MediaDecryptor.CorruptMediaException("the mediaretry payload does not open under the media key");
        } catch (InvalidProtocolBufferException e) {
            throw new MediaDecryptor.CorruptMediaException("the mediaretry payload is not a MediaRetryNotification");
        }
        if (answer.hasStanzaId() && !id.equals(answer.getStanzaId())) {
            throw new MediaDecryptor.CorruptMediaException("the mediaretry payload names another message");
        }
        Result result = switch (answer.getResult()) {
            case SUCCESS -> Result.SUCCESS;
            case NOT_FOUND -> Result.NOT_FOUND;
            case DECRYPTION_ERROR -> Result.DECRYPTION_ERROR;
            default -> Result.GENERAL_ERROR;
        };
        String directPath = answer.hasDirectPath() ? answer.getDirectPath() : null;
        if (result == Result.SUCCESS && (directPath == null || !directPath.startsWith("/"))) {
            throw new MediaDecryptor.CorruptMediaException("a successful mediaretry answer without a direct path");
        }
        return new Answer(id, result, directPath);
    }

    private static Map<String, String> attrs(String... keyValues) {
        Map<String, String> attrs = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            attrs.put(keyValues[i], keyValues[i + 1]);
        }
        return attrs;
    }
}
