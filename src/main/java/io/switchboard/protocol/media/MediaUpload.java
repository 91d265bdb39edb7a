package io.switchboard.protocol.media;

import java.util.Base64;

/** The upload URL's parts that come from the blob. */
public final class MediaUpload {

    private MediaUpload() {
    }

    /** base64url of fileEncSha256 without padding, as Baileys writes it (the media host accepts it padded too). */
    public static String token(byte[] fileEncSha256) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(fileEncSha256);
    }
}
