package io.switchboard.sandbox.server;

import java.util.Base64;

/**
 * A scanned QR text, in the current form
 * {@code https://wa.me/settings/linked_devices#REF,NOISE,IDENTITY,ADV[,PLATFORM]} or the older
 * bare {@code REF,NOISE,IDENTITY,ADV}.
 */
record QrText(String ref, byte[] noiseKey, byte[] identityKey, byte[] advSecret, String platform) {

    static final String LINK_PREFIX = "https://wa.me/settings/linked_devices#";

    static QrText parse(String text) throws SandboxException {
        if (text == null) {
            throw SandboxException.badQr("no QR text");
        }
        String body = text.startsWith(LINK_PREFIX) ? text.substring(LINK_PREFIX.length()) : text;
        String[] fields = body.split(",", -1);
        if (fields.length != 4 && fields.length != 5) {
            throw SandboxException.badQr("expected 4 or 5 comma-separated fields, found " + fields.length);
        }
        if (fields[0].isEmpty()) {
            throw SandboxException.badQr("empty ref");
        }
        return new QrText(fields[0], key(fields[1], "noise key", 32), key(fields[2], "identity key", 32),
                key(fields[3], "adv secret", 32), fields.length == 5 ? fields[4] : null);
    }

    /**
     * Whether the QR's companion platform (WhatsApp's PairClient ids: 1 Chrome … 6 Safari, 7
     * Electron, 8 UWP, 9 other web client) can be the one the device registered in its DeviceProps.
     */
    boolean platformAgreesWith(io.switchboard.protocol.proto.DeviceProps.PlatformType registered) {
        if (platform == null || "9".equals(platform)) {
            return true;
        }
        switch (registered) {
            case CHROME: return "1".equals(platform);
            case EDGE: return "2".equals(platform);
            case FIREFOX: return "3".equals(platform);
            case IE: return "4".equals(platform);
            case OPERA: return "5".equals(platform);
            case SAFARI: return "6".equals(platform);
            case DESKTOP: return "7".equals(platform) || "8".equals(platform);
            case UWP: return "8".equals(platform);
            default: return false;
        }
    }

    private static byte[] key(String base64, String name, int size) throws SandboxException {
        try {
            byte[] value = Base64.getDecoder().decode(base64);
            if (value.length != size) {
                throw SandboxException.badQr(name + " is " + value.length + " bytes, expected " + size);
            }
            return value;
        } catch (IllegalArgumentException e) {
            throw SandboxException.badQr(name + " is not base64");
        }
    }
}
