package io.switchboard.protocol.binary;

import static io.switchboard.protocol.binary.BinaryTags.DOMAIN_HOSTED;
import static io.switchboard.protocol.binary.BinaryTags.DOMAIN_HOSTED_LID;
import static io.switchboard.protocol.binary.BinaryTags.DOMAIN_LID;
import static io.switchboard.protocol.binary.BinaryTags.DOMAIN_WHATSAPP;

/**
 * How JIDs travel as text inside nodes, per dictionary version. The two versions of the
 * reference differ: version 2 knows only the {@code lid} domain and writes the empty string as
 * token 0; version 3 adds the hosted domains and a raw agent as domain type, and writes the
 * empty string as empty binary.
 */
final class JidText {

    static final String SERVER_WHATSAPP = "s.whatsapp.net";
    static final String SERVER_LID = "lid";
    static final String SERVER_HOSTED = "hosted";
    static final String SERVER_HOSTED_LID = "hosted.lid";

    private static final JidText VERSION_2 = new JidText(false);
    private static final JidText VERSION_3 = new JidText(true);

    private final boolean hostedDomains;

    private JidText(boolean hostedDomains) {
        this.hostedDomains = hostedDomains;
    }

    static JidText forVersion(int dictionaryVersion) {
        return dictionaryVersion >= 3 ? VERSION_3 : VERSION_2;
    }

    boolean emptyStringIsToken() {
        return !hostedDomains;
    }

    /** A text JID split for writing. {@code device} is null when the text has no device part. */
    record Parts(String user, Integer device, int domainType, String server) {
    }

    /** Splits {@code user[_agent][:device]@server} at the first '@', as the references do. */
    Parts parse(String text) {
        int at = text.indexOf('@');
        String server = text.substring(at + 1);
        String userCombined = text.substring(0, at);
        String[] userAndDevice = userCombined.split(":", -1);
        String[] userAndAgent = userAndDevice[0].split("_", -1);
        String user = userAndAgent[0];
        String agent = userAndAgent.length > 1 ? userAndAgent[1] : "";
        Integer device = userAndDevice.length > 1 && !userAndDevice[1].isEmpty()
                ? deviceNumber(userAndDevice[1]) : null;
        return new Parts(user, device, domainType(server, agent), server);
    }

    private int domainType(String server, String agent) {
        if (SERVER_LID.equals(server)) {
            return DOMAIN_LID;
        }
        if (hostedDomains) {
            if (SERVER_HOSTED.equals(server)) {
                return DOMAIN_HOSTED;
            }
            if (SERVER_HOSTED_LID.equals(server)) {
                return DOMAIN_HOSTED_LID;
            }
            if (!agent.isEmpty()) {
                return leadingNumber(agent) & 0xff;
            }
        }
        return DOMAIN_WHATSAPP;
    }

    /** Server of an AD_JID's domain type. */
    String serverOf(int domainType) {
        if (!hostedDomains) {
            return domainType == DOMAIN_WHATSAPP ? SERVER_WHATSAPP : SERVER_LID;
        }
        switch (domainType) {
            case DOMAIN_LID: return SERVER_LID;
            case DOMAIN_HOSTED: return SERVER_HOSTED;
            case DOMAIN_HOSTED_LID: return SERVER_HOSTED_LID;
            default: return SERVER_WHATSAPP;
        }
    }

    /** Text of a device JID; device 0 is the main device and is not written. */
    static String format(String user, int device, String server) {
        return device == 0 ? user + "@" + server : user + ":" + device + "@" + server;
    }

    private static int deviceNumber(String text) {
        int value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9' || i >= 9) {
                return 0;
            }
            value = value * 10 + (c - '0');
        }
        return value & 0xff;
    }

    private static int leadingNumber(String text) {
        int value = 0;
        for (int i = 0; i < text.length() && i < 9; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
