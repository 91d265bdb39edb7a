package io.switchboard.sandbox.server;

/** A linked device as the admin API shows it. */
public record DeviceView(String deviceJid, String phone, String lid, String platform, boolean online, int preKeys,
        @org.eclipse.microprofile.openapi.annotations.media.Schema(nullable = true) String version, int signedPreKeyId) {
}
