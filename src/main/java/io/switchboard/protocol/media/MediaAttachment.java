package io.switchboard.protocol.media;

/**
 * A file a message carries, as the message describes it: where it is (url, directPath), how it is
 * encrypted (mediaKey, both hashes) and what it is. Optional parts are null.
 */
public record MediaAttachment(MediaType type, String url, String directPath, String mimetype, byte[] mediaKey,
        byte[] fileSha256, byte[] fileEncSha256, long fileLength, long mediaKeyTimestamp, String caption, String fileName,
        Integer width, Integer height, Integer seconds, byte[] thumbnail) {

    /** The same file at a new place (after an upload or a media retry). */
    public MediaAttachment at(String newUrl, String newDirectPath) {
        return new MediaAttachment(type, newUrl, newDirectPath, mimetype, mediaKey, fileSha256, fileEncSha256, fileLength,
                mediaKeyTimestamp, caption, fileName, width, height, seconds, thumbnail);
    }
}
