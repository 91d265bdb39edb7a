package io.switchboard.protocol.media;

import java.util.Locale;

/**
 * The kinds of media a message can carry, with what WhatsApp derives from each: the HKDF info
 * string of its keys (a sticker uses the image keys, a voice note the audio keys), the upload
 * path, and the {@code mediatype} attribute of the stanza's {@code <enc>}.
 */
public enum MediaType {
    IMAGE("WhatsApp Image Keys", "/mms/image", "image", "image/jpeg"),
    VIDEO("WhatsApp Video Keys", "/mms/video", "video", "video/mp4"),
    AUDIO("WhatsApp Audio Keys", "/mms/audio", "audio", "audio/mpeg"),
    VOICE("WhatsApp Audio Keys", "/mms/audio", "ptt", "audio/ogg; codecs=opus"),
    DOCUMENT("WhatsApp Document Keys", "/mms/document", "document", "application/pdf"),
    STICKER("WhatsApp Image Keys", "/mms/image", "sticker", "image/webp");

    private final String keyInfo;
    private final String uploadPath;
    private final String stanzaType;
    private final String defaultMimetype;

    MediaType(String keyInfo, String uploadPath, String stanzaType, String defaultMimetype) {
        this.keyInfo = keyInfo;
        this.uploadPath = uploadPath;
        this.stanzaType = stanzaType;
        this.defaultMimetype = defaultMimetype;
    }

    public String keyInfo() {
        return keyInfo;
    }

    public String uploadPath() {
        return uploadPath;
    }

    public String stanzaType() {
        return stanzaType;
    }

    public String defaultMimetype() {
        return defaultMimetype;
    }

    /** The name the API uses: image, video, audio, voice, document, sticker. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type of an API name; null when there is none. */
    public static MediaType ofApiName(String name) {
        for (MediaType type : values()) {
            if (type.apiName().equals(name)) {
                return type;
            }
        }
        return null;
    }
}
