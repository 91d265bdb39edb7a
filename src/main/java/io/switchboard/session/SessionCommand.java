package io.switchboard.session;

import java.util.regex.Pattern;

/**
 * What a dashboard asks of a connection; carried out by the replica that runs it. Sent to another
 * replica as {@link #wire()} text.
 *
 * @param phone for {@link Kind#LINK_CODE}: the phone number (digits) that will type the code
 */
public record SessionCommand(Kind kind, String phone) {

    public enum Kind {
        /** init-baileys: link a new device from scratch (refused while connected). */
        LINK,
        /** reconnect: connected stays; a linked device logs in again; otherwise link. */
        RECONNECT,
        /** disconnect: unlink the device, wipe the credentials. */
        DISCONNECT,
        /** pairing-code: link by a code typed on the phone (a linking in progress is reused). */
        LINK_CODE
    }

    /** E.164 digits: country code first, no '+'. */
    public static final Pattern PHONE = Pattern.compile("[1-9][0-9]{6,14}");

    public static final SessionCommand LINK = new SessionCommand(Kind.LINK, null);
    public static final SessionCommand RECONNECT = new SessionCommand(Kind.RECONNECT, null);
    public static final SessionCommand DISCONNECT = new SessionCommand(Kind.DISCONNECT, null);

    public SessionCommand {
        if ((kind == Kind.LINK_CODE) != (phone != null) || (phone != null && !PHONE.matcher(phone).matches())) {
            throw new IllegalArgumentException("a phone number (7 to 15 digits) goes with LINK_CODE and only with it");
        }
    }

    public static SessionCommand linkCode(String phone) {
        return new SessionCommand(Kind.LINK_CODE, phone);
    }

    String wire() {
        return phone == null ? kind.name() : kind.name() + ":" + phone;
    }

    static SessionCommand parse(String wire) {
        int colon = wire.indexOf(':');
        Kind kind = Kind.valueOf(colon < 0 ? wire : wire.substring(0, colon));
        return new SessionCommand(kind, colon < 0 ? null : wire.substring(colon + 1));
    }
}
