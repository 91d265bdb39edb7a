package io.switchboard.session.store;

import io.switchboard.events.EventPayloads;
import io.switchboard.protocol.client.InboundMessage;
import io.switchboard.protocol.media.MediaAttachment;
import io.switchboard.protocol.media.MediaType;
import io.vertx.core.json.JsonObject;
import java.util.Base64;

/**
 * How a received file is kept: what is not secret in a JSON column (mimetype, size, dimensions,
 * seconds, the file's SHA-256), its reference (media key, url, direct path, both hashes, caption,
 * file name, thumbnail) sealed with the message.
 */
final class ReceivedMedia {

    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder UNB64 = Base64.getDecoder();

    private ReceivedMedia() {
    }

    static JsonObject facts(MediaAttachment media) {
        JsonObject facts = new JsonObject().put("mimetype", media.mimetype()).put("size", media.fileLength())
                .put("sha256", B64.encodeToString(media.fileSha256()));
        if (media.width() != null && media.height() != null) {
            facts.put("width", media.width()).put("height", media.height());
        }
        if (media.seconds() != null) {
            facts.put("seconds", media.seconds());
        }
        return facts;
    }

    static JsonObject sealedPart(InboundMessage message) {
        MediaAttachment media = message.media();
        JsonObject secret = new JsonObject().put("mediaKey", B64.encodeToString(media.mediaKey()))
                .put("url", media.url()).put("directPath", media.directPath())
                .put("fileSha256", B64.encodeToString(media.fileSha256())).put("fileEncSha256", B64.encodeToString(media.fileEncSha256()))
                .put("keyTimestamp", media.mediaKeyTimestamp());
        if (media.caption() != null) {
            secret.put("caption", media.caption());
        }
        if (media.fileName() != null) {
            secret.put("fileName", media.fileName());
        }
        if (media.thumbnail() != null) {
            secret.put("thumbnail", B64.encodeToString(media.thumbnail()));
        }
        return secret;
    }

    static MediaAttachment open(String kind, JsonObject secret, Object factsColumn) {
        JsonObject facts = factsColumn instanceof JsonObject json ? json : new JsonObject(String.valueOf(factsColumn));
        return new MediaAttachment(MediaType.ofApiName(kind), secret.getString("url"), secret.getString("directPath"),
                facts.getString("mimetype"), UNB64.decode(secret.getString("mediaKey")), UNB64.decode(secret.getString("fileSha256")),
                UNB64.decode(secret.getString("fileEncSha256")), facts.getLong("size", -1L), secret.getLong("keyTimestamp", 0L),
                secret.getString("caption"), secret.getString("fileName"), facts.getInteger("width"), facts.getInteger("height"),
                facts.getInteger("seconds"), secret.getString("thumbnail") == null ? null : UNB64.decode(secret.getString("thumbnail")));
    }

    /** What webhooks and the event stream say of the file: no key, no bytes; where the API serves it. */
    static EventPayloads.Media eventView(InboundMessage message) {
        MediaAttachment media = message.media();
        if (media == null) {
            return null;
        }
        return new EventPayloads.Media(media.type().apiName(), media.mimetype(), media.fileLength(),
                B64.encodeToString(media.fileSha256()), media.fileName(), media.caption(), media.width(), media.height(),
                media.seconds(), "messages/" + message.id() + "/media");
    }
}
