package io.switchboard.protocol.client;

import io.switchboard.protocol.proto.Message;
import java.time.Instant;
import java.util.Objects;

/**
 * A message we sent to {@code phone} (digits) at {@code at}: what a device that could not decrypt
 * it gets again (a text, or media by its reference).
 */
public record SentText(String phone, Message message, Instant at) {

    public SentText {
        Objects.requireNonNull(phone, "phone");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(at, "at");
    }

    public static SentText text(String phone, String text, Instant at) {
        return new SentText(phone, Message.newBuilder().setConversation(Objects.requireNonNull(text, "text")).build(), at);
    }
}
