package io.switchboard.messaging;

import io.switchboard.protocol.proto.ContextInfo;
import io.switchboard.protocol.proto.Message;
import io.switchboard.protocol.proto.MessageKey;

/**
 * The WhatsApp message a stored outbound message becomes — the same every time it is built, so a
 * resend after a retry receipt or a crash carries the same content: a text (an extended text when it
 * replies or mentions), a file, a reaction, an edit or a revoke of an earlier message.
 */
final class OutboundContent {

    private OutboundContent() {
    }

    static Message of(OutboxStore.Outbound message) {
        OutboxStore.OutboundContext context = message.context();
        if (message.media() != null) {
            Message file = message.media().message(message.text());
            return context == null ? file : withContext(file, contextInfo(context));
        }
        if (context == null) {
            return Message.newBuilder().setConversation(message.text()).build();
        }
        boolean group = message.to().endsWith("@g.us");
        String chat = group ? message.to() : message.to() + "@s.whatsapp.net";
        MessageKey.Builder key = MessageKey.newBuilder().setRemoteJid(chat).setFromMe(context.targetFromMe());
        if (group && !context.targetFromMe() && context.participant() != null) {
            // In a group, a member's message is named with its sender.
            key.setParticipant(context.participant());
        }
        if (context.targetId() != null) {
            key.setId(context.targetId());
        }
        long at = message.createdAt().toEpochMilli();
        switch (context.kind()) {
            case "reaction":
                return Message.newBuilder().setReactionMessage(Message.ReactionMessage.newBuilder().setKey(key)
                        .setText(message.text() == null ? "" : message.text()).setSenderTimestampMs(at)).build();
            case "edit":
                return Message.newBuilder().setProtocolMessage(Message.ProtocolMessage.newBuilder().setKey(key)
                        .setType(Message.ProtocolMessage.Type.MESSAGE_EDIT)
                        .setEditedMessage(Message.newBuilder().setConversation(message.text())).setTimestampMs(at)).build();
            case "revoke":
                return Message.newBuilder().setProtocolMessage(Message.ProtocolMessage.newBuilder().setKey(key)
                        .setType(Message.ProtocolMessage.Type.REVOKE)).build();
            default:
                return Message.newBuilder().setExtendedTextMessage(Message.ExtendedTextMessage.newBuilder().setText(message.text())
                        .setContextInfo(contextInfo(context))).build();
        }
    }

    /** A reply's context: the quoted message's id, sender and text, and the mentioned JIDs. */
    private static ContextInfo contextInfo(OutboxStore.OutboundContext context) {
        ContextInfo.Builder info = ContextInfo.newBuilder();
        if (context.targetId() != null) {
            info.setStanzaId(context.targetId());
            if (context.participant() != null) {
                info.setParticipant(context.participant());
            }
            info.setQuotedMessage(Message.newBuilder().setConversation(context.quoted() == null ? "" : context.quoted()));
        }
        for (String phone : context.mentions()) {
            info.addMentionedJid(phone + "@s.whatsapp.net");
        }
        return info.build();
    }

    /** A file message with a reply context (field 17 of each media message). */
    private static Message withContext(Message file, ContextInfo info) {
        Message.Builder builder = file.toBuilder();
        if (builder.hasImageMessage()) {
            builder.getImageMessageBuilder().setContextInfo(info);
        } else if (builder.hasDocumentMessage()) {
            builder.getDocumentMessageBuilder().setContextInfo(info);
        } else if (builder.hasAudioMessage()) {
            builder.getAudioMessageBuilder().setContextInfo(info);
        } else if (builder.hasVideoMessage()) {
            builder.getVideoMessageBuilder().setContextInfo(info);
        } else if (builder.hasStickerMessage()) {
            builder.getStickerMessageBuilder().setContextInfo(info);
        }
        return builder.build();
    }
}
