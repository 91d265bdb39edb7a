package io.switchboard.protocol.message;

import com.google.protobuf.ByteString;
import io.switchboard.protocol.media.MediaAttachment;
import io.switchboard.protocol.media.MediaType;
import io.switchboard.protocol.proto.Message;
import java.util.Optional;

/**
 * Media in WhatsApp's {@code Message} protobuf, both ways: an image, document, audio (a voice note
 * is an audio with {@code ptt}), video or sticker message from a {@link MediaAttachment}, and back.
 * What is read is bounded: a message claiming absurd sizes or dimensions is read with those left
 * out, never trusted for an allocation.
 */
public final class MediaMessages {

    /** Larger than any file WhatsApp carries (2 GB documents). */
    static final long MAX_FILE_LENGTH = 2L * 1024 * 1024 * 1024;
    static final int MAX_DIMENSION = 20_000;
    static final int MAX_SECONDS = 24 * 3600;
    static final int MAX_THUMBNAIL = 256 * 1024;

    private MediaMessages() {
    }

    public static Message message(MediaAttachment media) {
        Message.Builder message = Message.newBuilder();
        switch (media.type()) {
            case IMAGE -> {
                Message.ImageMessage.Builder image = Message.ImageMessage.newBuilder().setUrl(media.url())
                        .setDirectPath(media.directPath()).setMimetype(media.mimetype()).setMediaKey(bytes(media.mediaKey()))
                        .setFileSha256(bytes(media.fileSha256())).setFileEncSha256(bytes(media.fileEncSha256()))
                        .setFileLength(media.fileLength()).setMediaKeyTimestamp(media.mediaKeyTimestamp());
                if (media.caption() != null) {
                    image.setCaption(media.caption());
                }
                if (media.width() != null && media.height() != null) {
                    image.setWidth(media.width()).setHeight(media.height());
                }
                if (media.thumbnail() != null) {
                    image.setJpegThumbnail(bytes(media.thumbnail()));
                }
                message.setImageMessage(image);
            }
            case DOCUMENT -> {
                Message.DocumentMessage.Builder document = Message.DocumentMessage.newBuilder().setUrl(media.url())
                        .setDirectPath(media.directPath()).setMimetype(media.mimetype()).setMediaKey(bytes(media.mediaKey()))
                        .setFileSha256(bytes(media.fileSha256())).setFileEncSha256(bytes(media.fileEncSha256()))
                        .setFileLength(media.fileLength()).setMediaKeyTimestamp(media.mediaKeyTimestamp())
                        .setFileName(media.fileName() == null ? "file" : media.fileName())
                        .setTitle(media.fileName() == null ? "file" : media.fileName());
                if (media.caption() != null) {
                    document.setCaption(media.caption());
                }
                message.setDocumentMessage(document);
            }
            case AUDIO, VOICE -> {
                Message.AudioMessage.Builder audio = Message.AudioMessage.newBuilder().setUrl(media.url())
                        .setDirectPath(media.directPath()).setMimetype(media.mimetype()).setMediaKey(bytes(media.mediaKey()))
                        .setFileSha256(bytes(media.fileSha256())).setFileEncSha256(bytes(media.fileEncSha256()))
                        .setFileLength(media.fileLength()).setMediaKeyTimestamp(media.mediaKeyTimestamp())
                        .setPtt(media.type() == MediaType.VOICE);
                if (media.seconds() != null) {
                    audio.setSeconds(media.seconds());
                }
                message.setAudioMessage(audio);
            }
            case VIDEO -> {
                Message.VideoMessage.Builder video = Message.VideoMessage.newBuilder().setUrl(media.url())
                        .setDirectPath(media.directPath()).setMimetype(media.mimetype()).setMediaKey(bytes(media.mediaKey()))
                        .setFileSha256(bytes(media.fileSha256())).setFileEncSha256(bytes(media.fileEncSha256()))
                        .setFileLength(media.fileLength()).setMediaKeyTimestamp(media.mediaKeyTimestamp());
                if (media.caption() != null) {
                    video.setCaption(media.caption());
                }
                if (media.width() != null && media.height() != null) {
                    video.setWidth(media.width()).setHeight(media.height());
                }
                if (media.seconds() != null) {
                    video.setSeconds(media.seconds());
                }
                if (media.thumbnail() != null) {
                    video.setJpegThumbnail(bytes(media.thumbnail()));
                }
                message.setVideoMessage(video);
            }
            case STICKER -> {
                Message.StickerMessage.Builder sticker = Message.StickerMessage.newBuilder().setUrl(media.url())
                        .setDirectPath(media.directPath()).setMimetype(media.mimetype()).setMediaKey(bytes(media.mediaKey()))
                        .setFileSha256(bytes(media.fileSha256())).setFileEncSha256(bytes(media.fileEncSha256()))
                        .setFileLength(media.fileLength()).setMediaKeyTimestamp(media.mediaKeyTimestamp());
                if (media.width() != null && media.height() != null) {
                    sticker.setWidth(media.width()).setHeight(media.height());
                }
                message.setStickerMessage(sticker);
            }
            default -> throw new IllegalArgumentException("not a media type: " + media.type());
        }
        return message.build();
    }

    /** The media a received message carries, if any. */
    /** The reply/mention context of a media message, if it has one. */
    static io.switchboard.protocol.proto.ContextInfo context(Message message) {
        if (message.hasImageMessage() && message.getImageMessage().hasContextInfo()) {
            return message.getImageMessage().getContextInfo();
        }
        if (message.hasDocumentMessage() && message.getDocumentMessage().hasContextInfo()) {
            return message.getDocumentMessage().getContextInfo();
        }
        if (message.hasAudioMessage() && message.getAudioMessage().hasContextInfo()) {
            return message.getAudioMessage().getContextInfo();
        }
        if (message.hasVideoMessage() && message.getVideoMessage().hasContextInfo()) {
            return message.getVideoMessage().getContextInfo();
        }
        if (message.hasStickerMessage() && message.getStickerMessage().hasContextInfo()) {
            return message.getStickerMessage().getContextInfo();
        }
        return null;
    }

    public static Optional<MediaAttachment> read(Message message) {
        if (message.hasImageMessage()) {
            Message.ImageMessage m = message.getImageMessage();
            return Optional.of(new MediaAttachment(MediaType.IMAGE, m.getUrl(), m.getDirectPath(), m.getMimetype(),
                    m.getMediaKey().toByteArray(), m.getFileSha256().toByteArray(), m.getFileEncSha256().toByteArray(),
                    length(m.getFileLength()), m.getMediaKeyTimestamp(), m.hasCaption() ? m.getCaption() : null, null,
                    dimension(m.hasWidth(), m.getWidth()), dimension(m.hasHeight(), m.getHeight()), null,
                    thumbnail(m.getJpegThumbnail())));
        }
        if (message.hasDocumentMessage()) {
            Message.DocumentMessage m = message.getDocumentMessage();
            return Optional.of(new MediaAttachment(MediaType.DOCUMENT, m.getUrl(), m.getDirectPath(), m.getMimetype(),
                    m.getMediaKey().toByteArray(), m.getFileSha256().toByteArray(), m.getFileEncSha256().toByteArray(),
                    length(m.getFileLength()), m.getMediaKeyTimestamp(), m.hasCaption() ? m.getCaption() : null,
                    m.hasFileName() ? m.getFileName() : null, null, null, null, thumbnail(m.getJpegThumbnail())));
        }
        if (message.hasAudioMessage()) {
            Message.AudioMessage m = message.getAudioMessage();
            return Optional.of(new MediaAttachment(m.getPtt() ? MediaType.VOICE : MediaType.AUDIO, m.getUrl(), m.getDirectPath(),
                    m.getMimetype(), m.getMediaKey().toByteArray(), m.getFileSha256().toByteArray(),
                    m.getFileEncSha256().toByteArray(), length(m.getFileLength()), m.getMediaKeyTimestamp(), null, null, null, null,
                    seconds(m.hasSeconds(), m.getSeconds()), null));
        }
        if (message.hasVideoMessage()) {
            Message.VideoMessage m = message.getVideoMessage();
            return Optional.of(new MediaAttachment(MediaType.VIDEO, m.getUrl(), m.getDirectPath(), m.getMimetype(),
                    m.getMediaKey().toByteArray(), m.getFileSha256().toByteArray(), m.getFileEncSha256().toByteArray(),
                    length(m.getFileLength()), m.getMediaKeyTimestamp(), m.hasCaption() ? m.getCaption() : null, null,
                    dimension(m.hasWidth(), m.getWidth()), dimension(m.hasHeight(), m.getHeight()),
                    seconds(m.hasSeconds(), m.getSeconds()), thumbnail(m.getJpegThumbnail())));
        }
        if (message.hasStickerMessage()) {
            Message.StickerMessage m = message.getStickerMessage();
            return Optional.of(new MediaAttachment(MediaType.STICKER, m.getUrl(), m.getDirectPath(), m.getMimetype(),
                    m.getMediaKey().toByteArray(), m.getFileSha256().toByteArray(), m.getFileEncSha256().toByteArray(),
                    length(m.getFileLength()), m.getMediaKeyTimestamp(), null, null,
                    dimension(m.hasWidth(), m.getWidth()), dimension(m.hasHeight(), m.getHeight()), null, null));
        }
        return Optional.empty();
    }

    private static ByteString bytes(byte[] value) {
        return ByteString.copyFrom(value);
    }

    private static long length(long claimed) {
        return claimed < 0 || claimed > MAX_FILE_LENGTH ? -1 : claimed;
    }

    private static Integer dimension(boolean present, int value) {
        return present && value > 0 && value <= MAX_DIMENSION ? value : null;
    }

    private static Integer seconds(boolean present, int value) {
        return present && value >= 0 && value <= MAX_SECONDS ? value : null;
    }

    private static byte[] thumbnail(ByteString value) {
        return value.isEmpty() || value.size() > MAX_THUMBNAIL ? null : value.toByteArray();
    }
}
