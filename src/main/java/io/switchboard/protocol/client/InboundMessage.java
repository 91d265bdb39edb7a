package io.switchboard.protocol.client;

import io.switchboard.protocol.media.MediaAttachment;
import io.switchboard.protocol.message.Received;
import java.time.Instant;
import java.util.Map;

/**
 * A message received and decrypted: a text, a file ({@code media}) whose caption is {@code text}
 * (then possibly null), a location, contact cards, a poll or an unsupported kind ({@code details}),
 * possibly a reply with mentions; or a change to an earlier message ({@code change}: a reaction,
 * an edit, a revoke), which is applied to that message rather than kept as one.
 *
 * @param sender the sending device ({@code phone:device@s.whatsapp.net})
 * @param chat   the conversation: the sender's number, or for our own devices' copies the number they wrote to
 * @param kind   {@code text}, the file's type ({@code image}, {@code document}…), {@code location}, {@code live-location},
 *               {@code contacts}, {@code poll}, {@code unsupported}, or {@code reaction}/{@code edit}/{@code revoke}
 */
public record InboundMessage(String id, String sender, String chat, String text, Instant sentAt, MediaAttachment media,
        String kind, Received.Reply reply, Received.Change change, Map<String, Object> details) {

    public InboundMessage(String id, String sender, String chat, String text, Instant sentAt) {
        this(id, sender, chat, text, sentAt, null);
    }

    public InboundMessage(String id, String sender, String chat, String text, Instant sentAt, MediaAttachment media) {
        this(id, sender, chat, text, sentAt, media, media == null ? "text" : media.type().apiName(), null, null, null);
    }

    /** The message as WhatsApp's plaintext said it. */
    public static InboundMessage of(String id, String sender, String chat, Instant sentAt, Received read) {
        String kind = read.change() != null ? read.change().kind().name().toLowerCase(java.util.Locale.ROOT)
                : read.media() != null ? read.media().type().apiName() : read.kind();
        return new InboundMessage(id, sender, chat, read.text(), sentAt, read.media(), kind, read.reply(), read.change(),
                read.details());
    }

    /** The same message with its file at a new place. */
    public InboundMessage withMedia(MediaAttachment moved) {
        return new InboundMessage(id, sender, chat, text, sentAt, moved, kind, reply, change, details);
    }
}
