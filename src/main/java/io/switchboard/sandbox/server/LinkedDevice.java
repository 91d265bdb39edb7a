package io.switchboard.sandbox.server;

/**
 * A companion device linked to a phone's account.
 *
 * @param deviceJid  {@code phone:device@s.whatsapp.net}
 * @param lid        {@code lidUser:device@lid}
 */
public record LinkedDevice(String phone, int device, String deviceJid, String lid, Registration registration,
        String platform, int keyIndex) {

    static String deviceJid(String phone, int device) {
        return phone + ":" + device + "@s.whatsapp.net";
    }
}
