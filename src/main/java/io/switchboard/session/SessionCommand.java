package io.switchboard.session;

import java.util.regex.Pattern;

/**
 * What a dashboard asks of a connection; carried out by the replica that runs it. Sent to another
 * replica as {@link #wire()} text.
 *
 * @param argument for {@link Kind#LINK_CODE}: the phone number (digits) that will type the code; for
 *     {@link Kind#MEDIA_RETRY}: the WhatsApp id of the received message whose file is asked for
 */
public record SessionCommand(Kind kind, String argument) {

    public enum Kind {
        /** init-baileys: link a new device from scratch (refused while connected). */
        LINK,
        /** reconnect: connected stays; a linked device logs in again; otherwise link. */
        RECONNECT,
        /** disconnect: unlink the device, wipe the credentials. */
        DISCONNECT,
        /** pairing-code: link by a code typed on the phone (a linking in progress is reused). */
        LINK_CODE,
        /** Ask the phone to upload a received file again (its media host no longer has it); not queued behind the others. */
        MEDIA_RETRY,
        /** Ask WhatsApp which numbers are on it (comma-separated digits, at most 50); not queued behind the others. */
        CONTACT_CHECK,
        /** Tell a chat's sender we read messages ({@code phone:id,id,…}, at most 50); not queued behind the others. */
        MARK_READ,
        /** Send a presence ({@code state[:phone]}; {@code subscribe:phone} asks for a contact's); not queued behind the others. */
        PRESENCE,
        /** A group request ({@code requestId:base64url(JSON)}), its answer stored under the request id; not queued behind the others. */
        GROUP
    }

    /** E.164 digits: country code first, no '+'. */
    public static final Pattern PHONE = Pattern.compile("[1-9][0-9]{6,14}");

    public static final SessionCommand LINK = new SessionCommand(Kind.LINK, null);
    public static final SessionCommand RECONNECT = new SessionCommand(Kind.RECONNECT, null);
    public static final SessionCommand DISCONNECT = new SessionCommand(Kind.DISCONNECT, null);

    /** A WhatsApp message id. */
    public static final Pattern MESSAGE_ID = Pattern.compile("[0-9A-Za-z]{1,64}");
    /** A chat's number and up to 50 message ids: {@code phone:id,id}. */
    public static final Pattern READ = Pattern.compile("[1-9][0-9]{6,14}:[0-9A-Za-z]{1,64}(,[0-9A-Za-z]{1,64}){0,49}");
    /** A presence: available or unavailable alone; composing, recording, paused or subscribe with a number. */
    public static final Pattern PRESENCE_STATE = Pattern.compile("(available|unavailable|(composing|recording|paused|subscribe):[1-9][0-9]{6,14})");
    /** Up to 50 numbers as digits, comma-separated. */
    public static final Pattern NUMBERS = Pattern.compile("[0-9]{5,20}(,[0-9]{5,20}){0,49}");
    /** A group request: its id and its JSON, base64url. */
    public static final Pattern GROUP_REQUEST = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[A-Za-z0-9_-]{2,3900}");

    public SessionCommand {
        boolean takesArgument = kind == Kind.LINK_CODE || kind == Kind.MEDIA_RETRY || kind == Kind.CONTACT_CHECK
                || kind == Kind.MARK_READ || kind == Kind.PRESENCE || kind == Kind.GROUP;
        if (takesArgument != (argument != null)
                || (kind == Kind.LINK_CODE && !PHONE.matcher(argument).matches())
                || (kind == Kind.MEDIA_RETRY && !MESSAGE_ID.matcher(argument).matches())
                || (kind == Kind.CONTACT_CHECK && !NUMBERS.matcher(argument).matches())
                || (kind == Kind.MARK_READ && !READ.matcher(argument).matches())
                || (kind == Kind.PRESENCE && !PRESENCE_STATE.matcher(argument).matches())
                || (kind == Kind.GROUP && !GROUP_REQUEST.matcher(argument).matches())) {
            throw new IllegalArgumentException("a phone number (7 to 15 digits) goes with LINK_CODE, a message id with MEDIA_RETRY,"
                    + " 1 to 50 numbers with CONTACT_CHECK, and nothing with the others");
        }
    }

    /** The phone of a {@link Kind#LINK_CODE} command. */
    public String phone() {
        return kind == Kind.LINK_CODE ? argument : null;
    }

    public static SessionCommand linkCode(String phone) {
        return new SessionCommand(Kind.LINK_CODE, phone);
    }

    public static SessionCommand contactCheck(java.util.List<String> numbers) {
        return new SessionCommand(Kind.CONTACT_CHECK, String.join(",", numbers));
    }

    public static SessionCommand markRead(String phone, java.util.List<String> ids) {
        return new SessionCommand(Kind.MARK_READ, phone + ":" + String.join(",", ids));
    }

    public static SessionCommand presence(String state, String phone) {
        return new SessionCommand(Kind.PRESENCE, phone == null ? state : state + ":" + phone);
    }

    /** A group request under {@code requestId}: {@code request} is its JSON ({@code op} and its fields). */
    public static SessionCommand group(java.util.UUID requestId, String request) {
        return new SessionCommand(Kind.GROUP, requestId + ":" + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(request.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    public static SessionCommand mediaRetry(String messageId) {
        return new SessionCommand(Kind.MEDIA_RETRY, messageId);
    }

    String wire() {
        return argument == null ? kind.name() : kind.name() + ":" + argument;
    }

    static SessionCommand parse(String wire) {
        int colon = wire.indexOf(':');
        Kind kind = Kind.valueOf(colon < 0 ? wire : wire.substring(0, colon));
        return new SessionCommand(kind, colon < 0 ? null : wire.substring(colon + 1));
    }
}
