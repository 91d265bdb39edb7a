package io.switchboard.sandbox.server;

import java.util.Base64;

/**
 * A scanned QR text, in the current form
 * {@code https://wa.me/settings/linked_devices#REF,NOISE,IDENTITY,ADV[,PLATFORM]} or the older
 * bare {@code REF,NOISE,IDENTITY,ADV}.
 */
record QrText(String ref, byte[] noiseKey, byte[] identityKey, byte[] advSecret) {

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
                key(fields[3], "adv secret", 32));
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
