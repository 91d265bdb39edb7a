package io.switchboard.protocol.client;

import java.time.Instant;
import java.util.Objects;

/** A text we sent to {@code phone} (digits) at {@code at}: what a device that could not decrypt it gets again. */
public record SentText(String phone, String text, Instant at) {

    public SentText {
        Objects.requireNonNull(phone, "phone");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(at, "at");
    }
}
