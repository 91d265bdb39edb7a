package io.switchboard.protocol.client;

import java.time.Instant;

/**
 * A text received and decrypted.
 *
 * @param sender the sending device ({@code phone:device@s.whatsapp.net})
 * @param chat   the conversation: the sender's number, or for our own devices' copies the number they wrote to
 */
public record InboundMessage(String id, String sender, String chat, String text, Instant sentAt) {
}
