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
import java.util.UUID;

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
    private final java.time.Duration retryTimeout;
    private final io.switchboard.protocol.media.MediaDownloader downloads;
    private final io.switchboard.session.store.MessageStore messages;
    private final boolean keepReceived;
    /** Copies of received files being made, at most {@value #KEEPING_AT_ONCE} at a time; the rest wait, up to {@value #KEEP_QUEUE}. */
    private final java.util.concurrent.atomic.AtomicInteger keeping = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.Queue<Runnable> toKeep = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
    private static final int KEEPING_AT_ONCE = 2;
    private static final int KEEP_QUEUE = 1_000;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(MediaSender.class);

    public MediaSender(MediaBlobStore blobs, OutboxStore outbox, Vertx vertx, java.util.function.Supplier<String> trust,
            MediaConfig config, io.switchboard.protocol.media.MediaDownloader downloads,
            io.switchboard.session.store.MessageStore messages) {
        this.blobs = blobs;
        this.outbox = outbox;
        this.uploader = new MediaUploader(vertx, trust, config.uploadTimeout());
        this.retryTimeout = config.retryTimeout();
        this.downloads = downloads;
        this.messages = messages;
        this.keepReceived = config.keepReceived();
    }

    /**
     * With {@code switchboard.media.keep-received}: a copy of the file of a message just stored is
     * fetched (verified) and kept, in the background, a few at a time. A copy that cannot be made
     * leaves downloads to the media host and the media retry.
     */
    public void keepReceived(UUID organizationId, io.switchboard.protocol.client.InboundMessage message) {
        if (!keepReceived || message.media() == null) {
            return;
        }
        if (queued.incrementAndGet() > KEEP_QUEUE) {
            queued.decrementAndGet();
            LOG.warnf("no copy kept of received file %s: %d copies are waiting already", message.id(), KEEP_QUEUE);
            return;
        }
        toKeep.add(() -> keep(organizationId, message).subscribe().with(ok -> next(), error -> {
            LOG.warnf("no copy kept of received file %s: %s", message.id(), error.getMessage());
            next();
        }));
        startWaiting();
    }

    private void next() {
        keeping.decrementAndGet();
        startWaiting();
    }

    private void startWaiting() {
        while (true) {
            int now = keeping.get();
            if (now >= KEEPING_AT_ONCE || toKeep.isEmpty()) {
                return;
            }
            if (keeping.compareAndSet(now, now + 1)) {
                Runnable task = toKeep.poll();
                if (task == null) {
                    keeping.decrementAndGet();
                    return;
                }
                queued.decrementAndGet();
                task.run();
            }
        }
    }

    private Uni<Void> keep(UUID organizationId, io.switchboard.protocol.client.InboundMessage message) {
        java.nio.file.Path directory = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        return Uni.createFrom().completionStage(() -> downloads.fetch(message.media(), directory).toCompletionStage())
                .flatMap(fetched -> Uni.createFrom().item(() -> {
                    try {
                        return blobs.keep(organizationId, fetched.file());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                        .flatMap(blobId -> messages.keptCopy(organizationId, message, blobId)
                                .flatMap(stored -> stored ? Uni.createFrom().voidItem() : blobs.discard(blobId)))
                        .eventually(() -> fetched.file().toFile().delete()));
    }

    /** How long the phone is given to answer a media retry. */
    public java.time.Duration retryTimeout() {
        return retryTimeout;
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
