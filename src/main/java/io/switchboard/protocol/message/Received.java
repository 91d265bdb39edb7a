package io.switchboard.protocol.message;

import io.switchboard.protocol.media.MediaAttachment;
import io.switchboard.protocol.proto.ContextInfo;
import io.switchboard.protocol.proto.Message;
import io.switchboard.protocol.proto.MessageKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What a decrypted message says, whatever its kind: a text, a file, a location, contact cards, a
 * poll — each possibly a reply with mentions — or a change to an earlier message (a reaction, an
 * edit, a revoke). A message whose content this reader does not know is {@code unsupported} with
 * the field numbers it carried, so nothing received vanishes.
 *
 * @param kind    {@code text}, {@code media} (see {@link #media}), {@code location}, {@code live-location},
 *                {@code contacts}, {@code poll}, {@code unsupported}, or {@code change} (see {@link #change})
 * @param text    the text, a file's caption, a poll's question
 * @param sentTo  for our own devices' copies: the chat they wrote to
 * @param details the typed payload of a location, contacts, a poll or an unsupported message (JSON-ready values)
 */
public record Received(String kind, String text, String sentTo, MediaAttachment media, Reply reply, Change change,
        Map<String, Object> details) {

    /** A reply (the quoted message) and/or mentions. */
    public record Reply(String quotedId, String quotedSender, List<String> mentions) {
    }

    /** A change to an earlier message, named by its key. */
    public record Change(Kind kind, String targetId, boolean targetFromMe, String targetChat, String targetParticipant,
            String text) {

        public enum Kind {
            /** {@code text}: the emoji ({@code ""} removes the reaction). */
            REACTION,
            /** {@code text}: the new text. */
            EDIT,
            /** The message is deleted for everyone. */
            REVOKE
        }
    }

    /** The content of {@code message} (own-device copies and feature wrappers unwrapped); empty for protocol-only messages. */
    public static Optional<Received> of(Message message) {
        String sentTo = null;
        if (message.hasDeviceSentMessage()) {
            sentTo = message.getDeviceSentMessage().getDestinationJid();
            message = message.getDeviceSentMessage().getMessage();
        }
        message = unwrap(message);
        if (message.hasConversation()) {
            return Optional.of(new Received("text", message.getConversation(), sentTo, null, null, null, null));
        }
        if (message.hasExtendedTextMessage()) {
            Message.ExtendedTextMessage extended = message.getExtendedTextMessage();
            return Optional.of(new Received("text", extended.getText(), sentTo, null,
                    reply(extended.hasContextInfo() ? extended.getContextInfo() : null), null, null));
        }
        Optional<MediaAttachment> media = MediaMessages.read(message);
        if (media.isPresent()) {
            return Optional.of(new Received("media", media.get().caption(), sentTo, media.get(), reply(MediaMessages.context(message)),
                    null, null));
        }
        if (message.hasLocationMessage()) {
            Message.LocationMessage location = message.getLocationMessage();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("latitude", location.getDegreesLatitude());
            details.put("longitude", location.getDegreesLongitude());
            putIf(details, "name", location.hasName() ? location.getName() : null);
            putIf(details, "address", location.hasAddress() ? location.getAddress() : null);
            putIf(details, "url", location.hasUrl() ? location.getUrl() : null);
            putIf(details, "comment", location.hasComment() ? location.getComment() : null);
            return Optional.of(new Received(location.getIsLive() ? "live-location" : "location", null, sentTo, null,
                    reply(location.hasContextInfo() ? location.getContextInfo() : null), null, details));
        }
        if (message.hasLiveLocationMessage()) {
            Message.LiveLocationMessage live = message.getLiveLocationMessage();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("latitude", live.getDegreesLatitude());
            details.put("longitude", live.getDegreesLongitude());
            putIf(details, "accuracyInMeters", live.hasAccuracyInMeters() ? live.getAccuracyInMeters() : null);
            putIf(details, "caption", live.hasCaption() ? live.getCaption() : null);
            putIf(details, "sequence", live.hasSequenceNumber() ? live.getSequenceNumber() : null);
            return Optional.of(new Received("live-location", null, sentTo, null,
                    reply(live.hasContextInfo() ? live.getContextInfo() : null), null, details));
        }
        if (message.hasContactMessage() || message.hasContactsArrayMessage()) {
            List<Message.ContactMessage> cards = message.hasContactMessage() ? List.of(message.getContactMessage())
                    : message.getContactsArrayMessage().getContactsList();
            List<Map<String, Object>> contacts = new ArrayList<>();
            for (Message.ContactMessage card : cards) {
                Map<String, Object> contact = new LinkedHashMap<>();
                contact.put("displayName", card.getDisplayName());
                contact.put("vcard", card.getVcard());
                contacts.add(contact);
            }
            ContextInfo context = message.hasContactMessage() ? (message.getContactMessage().hasContextInfo()
                    ? message.getContactMessage().getContextInfo() : null)
                    : message.getContactsArrayMessage().hasContextInfo() ? message.getContactsArrayMessage().getContextInfo() : null;
            return Optional.of(new Received("contacts", null, sentTo, null, reply(context), null, Map.of("contacts", contacts)));
        }
        Message.PollCreationMessage poll = message.hasPollCreationMessage() ? message.getPollCreationMessage()
                : message.hasPollCreationMessageV2() ? message.getPollCreationMessageV2()
                : message.hasPollCreationMessageV3() ? message.getPollCreationMessageV3() : null;
        if (poll != null) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("question", poll.getName());
            details.put("options", poll.getOptionsList().stream().map(Message.PollCreationMessage.Option::getOptionName).toList());
            details.put("selectableCount", poll.getSelectableOptionsCount());
            return Optional.of(new Received("poll", poll.getName(), sentTo, null, null, null, details));
        }
        if (message.hasReactionMessage()) {
            Message.ReactionMessage reaction = message.getReactionMessage();
            return change(Change.Kind.REACTION, reaction.getKey(), reaction.getText(), sentTo);
        }
        if (message.hasProtocolMessage()) {
            Message.ProtocolMessage protocol = message.getProtocolMessage();
            if (protocol.getType() == Message.ProtocolMessage.Type.REVOKE && protocol.hasKey()) {
                return change(Change.Kind.REVOKE, protocol.getKey(), null, sentTo);
            }
            if (protocol.getType() == Message.ProtocolMessage.Type.MESSAGE_EDIT && protocol.hasKey() && protocol.hasEditedMessage()) {
                Optional<Received> edited = of(protocol.getEditedMessage());
                return change(Change.Kind.EDIT, protocol.getKey(), edited.map(Received::text).orElse(null), sentTo);
            }
            // Other protocol messages (history sync, app state keys, settings) are not a conversation's content.
            return Optional.empty();
        }
        java.util.Set<Integer> unknown = new TreeSet<>(message.getUnknownFields().asMap().keySet());
        if (!unknown.isEmpty()) {
            return Optional.of(new Received("unsupported", null, sentTo, null, null, null, Map.of("fields", List.copyOf(unknown))));
        }
        // Only keys and metadata (a sender key distribution, message context info): nothing to show.
        return Optional.empty();
    }

    /** The message inside ephemeral, view-once, document-with-caption and edited wrappers. */
    private static Message unwrap(Message message) {
        for (int depth = 0; depth < 4; depth++) {
            Message.FutureProofMessage wrapper = message.hasEphemeralMessage() ? message.getEphemeralMessage()
                    : message.hasViewOnceMessage() ? message.getViewOnceMessage()
                    : message.hasViewOnceMessageV2() ? message.getViewOnceMessageV2()
                    : message.hasDocumentWithCaptionMessage() ? message.getDocumentWithCaptionMessage()
                    : message.hasEditedMessage() ? message.getEditedMessage() : null;
            if (wrapper == null || !wrapper.hasMessage()) {
                return message;
            }
            message = wrapper.getMessage();
        }
        return message;
    }

    private static Optional<Received> change(Change.Kind kind, MessageKey key, String text, String sentTo) {
        if (!key.hasId() || key.getId().isEmpty()) {
            return Optional.of(new Received("unsupported", null, sentTo, null, null, null, Map.of("fields", List.of(),
                    "problem", kind.name().toLowerCase(java.util.Locale.ROOT) + " without the key of its message")));
        }
        return Optional.of(new Received("change", text, sentTo, null, null, new Change(kind, key.getId(), key.getFromMe(),
                key.hasRemoteJid() ? key.getRemoteJid() : null, key.hasParticipant() ? key.getParticipant() : null,
                text == null ? "" : text), null));
    }

    private static Reply reply(ContextInfo context) {
        if (context == null || (!context.hasStanzaId() && context.getMentionedJidCount() == 0)) {
            return null;
        }
        return new Reply(context.hasStanzaId() ? context.getStanzaId() : null, context.hasParticipant() ? context.getParticipant() : null,
                List.copyOf(context.getMentionedJidList()));
    }

    private static void putIf(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
