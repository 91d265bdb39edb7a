package io.switchboard.protocol.message;

import com.google.protobuf.InvalidProtocolBufferException;
import io.switchboard.protocol.proto.Message;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

/**
 * What travels inside a Signal message: a {@code Message} protobuf followed by random padding,
 * n bytes of value n. We write n from 1 to 15 as Baileys 6 and whatsmeow do; we read any n from 1
 * up to the length (Baileys 7 writes up to 16).
 */
public final class Plaintext {

    /**
     * A message received: who it was meant for when it is our own device's copy, and the text (for
     * media, its caption, possibly null) and the file it carries, if any.
     */
    public record Text(String text, String sentTo, io.switchboard.protocol.media.MediaAttachment media) {

        public Text(String text, String sentTo) {
            this(text, sentTo, null);
        }
    }

    private static final Random RANDOM = new SecureRandom();

    private Plaintext() {
    }

    public static byte[] pad(byte[] message) {
        return pad(message, RANDOM);
    }

    static byte[] pad(byte[] message, Random random) {
        int n = random.nextInt(15) + 1;
        byte[] out = Arrays.copyOf(message, message.length + n);
        Arrays.fill(out, message.length, out.length, (byte) n);
        return out;
    }

    public static byte[] unpad(byte[] padded) throws MessageFormatException {
        if (padded == null || padded.length == 0) {
            throw new MessageFormatException("empty plaintext");
        }
        int n = padded[padded.length - 1] & 0xff;
        if (n == 0 || n > padded.length) {
            throw new MessageFormatException("padding of " + n + " bytes in a plaintext of " + padded.length);
        }
        return Arrays.copyOf(padded, padded.length - n);
    }

    /** A text message, padded, for the recipient's devices. */
    public static byte[] text(String text) {
        return pad(Message.newBuilder().setConversation(text).build().toByteArray());
    }

    /** The copy for our own other devices: the same message wrapped as sent to {@code destinationJid}. */
    public static byte[] textCopy(String text, String destinationJid) {
        return copy(Message.newBuilder().setConversation(text).build(), destinationJid);
    }

    /** Any message, padded, for the recipient's devices. */
    public static byte[] message(Message message) {
        return pad(message.toByteArray());
    }

    /** Any message as the copy for our own other devices. */
    public static byte[] copy(Message message, String destinationJid) {
        return pad(Message.newBuilder().setDeviceSentMessage(Message.DeviceSentMessage.newBuilder()
                .setDestinationJid(destinationJid).setMessage(message)).build().toByteArray());
    }

    /** The text or file of a padded plaintext (own-device copies unwrapped); empty when it holds neither. */
    public static Optional<Text> readText(byte[] padded) throws MessageFormatException {
        return read(padded).filter(read -> "text".equals(read.kind()) || "media".equals(read.kind()))
                .map(read -> new Text(read.text(), read.sentTo(), read.media()));
    }

    /** Whatever a padded plaintext says ({@link Received}); empty for protocol-only content. */
    public static Optional<Received> read(byte[] padded) throws MessageFormatException {
        Message message;
        try {
            message = Message.parseFrom(unpad(padded));
        } catch (InvalidProtocolBufferException e) {
            throw new MessageFormatException("plaintext is not a Message");
        }
        return Received.of(message);
    }
}
