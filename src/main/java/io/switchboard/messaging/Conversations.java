package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.InboundMessage;
import io.switchboard.session.store.MessageStore;
import io.switchboard.web.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What a reply, a reaction, an edit or a revoke is about: the message it names, found among the
 * organization's received messages (by WhatsApp id) or sent ones (by our id or WhatsApp id), with
 * its chat, whether we sent it, its sender and its text; and WhatsApp's windows for edits and revokes.
 */
@ApplicationScoped
public class Conversations {

    /** WhatsApp lets a sender edit a message for 15 minutes after sending it. */
    static final Duration EDIT_WINDOW = Duration.ofMinutes(15);
    /** And delete it for everyone for about two and a half days (60 hours). */
    static final Duration REVOKE_WINDOW = Duration.ofHours(60);

    /** A message named by the API: its chat (the other party's number), our own or not, its WhatsApp id and sender, its text. */
    record Target(String chat, boolean fromMe, String whatsappId, String participant, String text, OutboxStore.Outbound sent,
            InboundMessage received) {
    }

    private final OutboxStore outbox;
    private final MessageStore received;

    Conversations(OutboxStore outbox, MessageStore received) {
        this.outbox = outbox;
        this.received = received;
    }

    /** The message {@code messageId} names (ours by UUID or WhatsApp id, or a received one), or 404 {@code message-not-found}. */
    Uni<Target> find(UUID org, String messageId) {
        if (messageId == null || !messageId.matches("[0-9A-Za-z-]{1,64}")) {
            throw ApiException.badRequest("invalid-path-parameter", "messageId must be our message id or a WhatsApp message id.");
        }
        UUID ours = uuid(messageId);
        Uni<OutboxStore.Outbound> sent = ours != null ? outbox.find(org, ours) : outbox.byWhatsappId(org, messageId);
        return sent.flatMap(found -> {
            if (found != null) {
                return Uni.createFrom().item(new Target(found.to(), true, found.whatsappId(), null, found.text(), found, null));
            }
            if (ours != null) {
                return Uni.createFrom().failure(ApiException.notFound("message-not-found", "No message " + messageId + "."));
            }
            return received.receivedMessage(org, messageId).map(message -> {
                if (message == null) {
                    throw ApiException.notFound("message-not-found", "No message " + messageId + ".");
                }
                String sender = message.sender();
                String user = sender.substring(0, sender.indexOf('@')).split(":")[0];
                return new Target(phoneOf(message.chat()), false, message.id(), user + sender.substring(sender.indexOf('@')),
                        message.text(), null, message);
            });
        });
    }

    /** The context of a reply to {@code target} from {@code ownJid}'s account, with {@code mentions}. */
    static OutboxStore.OutboundContext reply(Target target, String ownJid, List<String> mentions) {
        if (target == null) {
            return new OutboxStore.OutboundContext("reply", null, null, false, mentions, null);
        }
        return new OutboxStore.OutboundContext("reply", target.whatsappId(), target.fromMe() ? ownJid : target.participant(),
                target.fromMe(), mentions, target.text() == null ? "" : target.text());
    }

    /**
     * An edit applies to a text we sent, a revoke to any text or file we sent — sent already, and
     * within WhatsApp's window; otherwise 409 saying which rule it breaks.
     */
    static void requireOwnSent(Target target, boolean edit, Instant now) {
        String change = edit ? "edited" : "deleted for everyone";
        if (!target.fromMe() || target.sent() == null) {
            throw new ApiException(409, "not-own-message", "Only messages this organization sent can be " + change + ".");
        }
        OutboxStore.Outbound sent = target.sent();
        String kind = sent.kind();
        if (edit ? !"text".equals(kind) : List.of("reaction", "edit", "revoke").contains(kind)) {
            throw new ApiException(409, "not-own-message", "A " + kind + " cannot be " + change + ".");
        }
        if (sent.sentAt() == null) {
            throw new ApiException(409, "not-sent-yet", "The message is still " + sent.status() + "; it can be " + change
                    + " once sent.");
        }
        Duration window = edit ? EDIT_WINDOW : REVOKE_WINDOW;
        if (sent.sentAt().plus(window).isBefore(now)) {
            throw new ApiException(409, edit ? "edit-window-closed" : "revoke-window-closed", "WhatsApp allows this for "
                    + window.toMinutes() + " minutes after sending; the message was sent at " + sent.sentAt() + ".");
        }
    }

    private static UUID uuid(String value) {
        try {
            return value.length() == 36 ? UUID.fromString(value) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The chat as the outbox names it: a number's digits, or a group's whole jid. */
    private static String phoneOf(String jid) {
        if (jid.endsWith("@g.us")) {
            return jid;
        }
        int at = jid.indexOf('@');
        return (at < 0 ? jid : jid.substring(0, at)).split(":")[0];
    }
}
