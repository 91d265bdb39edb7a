package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import io.switchboard.db.Fence;
import io.switchboard.protocol.client.SendRefused;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.protocol.media.MediaConn;
import io.switchboard.protocol.media.MediaUploader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Base64;

/**
 * Puts a staged file on WhatsApp's media hosts before its message goes out: the blob streamed from
 * PostgreSQL chunk by chunk to each host media_conn lists, then once more with a fresh media_conn;
 * the result recorded under the sender's fence so a send retried later reuses it. Every host
 * refusing it fails the message with {@code upload-failed} and the hosts' answers.
 */
public final class MediaSender {

    private final MediaBlobStore blobs;
    private final OutboxStore outbox;
    private final MediaUploader uploader;

    public MediaSender(MediaBlobStore blobs, OutboxStore outbox, Vertx vertx, java.util.function.Supplier<String> trust,
            java.time.Duration timeout) {
        this.blobs = blobs;
        this.outbox = outbox;
        this.uploader = new MediaUploader(vertx, trust, timeout);
    }

    /** Removes staged files no message refers to (requests that never finished); answers how many. */
    public Uni<Integer> sweepAbandoned() {
        return blobs.sweepAbandoned();
    }

    /** The message's file on a media host: as recorded, or uploaded now (and recorded). */
    Uni<OutboxStore.OutboundMedia> uploaded(OutboxConnection session, WhatsAppClient client, Fence fence,
            OutboxStore.Outbound message) {
        OutboxStore.OutboundMedia media = message.media();
        if (media.directPath() != null) {
            return Uni.createFrom().item(media);
        }
        if (media.blobId() == null) {
            return Uni.createFrom().failure(new SendRefused("upload-failed", "the file is no longer kept (past retention)"));
        }
        byte[] encSha256 = Base64.getDecoder().decode(media.facts().getString("encSha256"));
        long length = media.facts().getLong("blobLength");
        MediaUploader.ChunkSource source = seq -> Future.fromCompletionStage(blobs.chunk(media.blobId(), seq)
                .subscribeAsCompletionStage());
        Uni<MediaUploader.Uploaded> upload = Uni.createFrom().completionStage(() -> client.mediaConn(false)
                .compose((MediaConn conn) -> uploader.upload(conn, media.type(), encSha256, length, source)
                        .recover(first -> client.mediaConn(true)
                                .compose(fresh -> uploader.upload(fresh, media.type(), encSha256, length, source))
                                .recover(second -> Future.failedFuture(second instanceof MediaUploader.UploadFailed
                                        ? new SendRefused("upload-failed", second.getMessage()) : second))))
                .toCompletionStage());
        return upload.flatMap(done -> session.fencedWrite(fence, () -> outbox.uploaded(fence, session.organizationId(),
                        message.id(), done.url(), done.directPath()))
                .replaceWith(new OutboxStore.OutboundMedia(media.type(), media.facts(), media.blobId(), done.url(), done.directPath(),
                        media.fileName(), media.mediaKey(), media.thumbnail())));
    }
}
