package io.switchboard.protocol.client;

import io.switchboard.protocol.media.MediaAttachment;
import java.time.Instant;

/**
 * A message received and decrypted: a text, or a file ({@code media}) whose caption is {@code text}
 * (then possibly null).
 *
 * @param sender the sending device ({@code phone:device@s.whatsapp.net})
 * @param chat   the conversation: the sender's number, or for our own devices' copies the number they wrote to
 */
public record InboundMessage(String id, String sender, String chat, String text, Instant sentAt, MediaAttachment media) {

    public InboundMessage(String id, String sender, String chat, String text, Instant sentAt) {
        this(id, sender, chat, text, sentAt, null);
    }
}
