package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import io.switchboard.db.Database;
import io.switchboard.protocol.media.MediaEncryptor;
import io.switchboard.protocol.media.MediaKeys;
import io.switchboard.protocol.media.MediaType;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.UUID;

/**
 * Files to send, kept in PostgreSQL before their message is accepted, and copies of received files
 * when {@code switchboard.media.keep-received} is on. Files to send are encrypted while they are
 * read (the exact blob a media host receives, under a fresh media key), in chunks of
 * {@value #CHUNK} bytes, so no request holds a whole file and an upload retried after a crash
 * sends the same bytes; a received file is kept as its media host served it. The media key is sealed
 * with the message; a blob no message refers to is swept an hour after it was written (so a received
 * file's copy goes when retention deletes its message).
 */
@ApplicationScoped
public class MediaBlobStore {

    static final int CHUNK = 512 * 1024;
    /** A staged blob that no message refers to after this long was abandoned. */
    static final Duration ABANDONED_AFTER = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A file staged: its blob's id, the media key it is encrypted under, and the hashes and lengths. */
    public record Staged(UUID blobId, byte[] mediaKey, MediaEncryptor.Sealed sealed) {
    }

    private final Pool pool;
    private final Database database;

    MediaBlobStore(Pool pool, Database database) {
        this.pool = pool;
        this.database = database;
    }

    /**
     * Encrypts {@code source} under a new media key for {@code type} and stores the blob chunk by
     * chunk. Blocking: call it on a worker thread. Each chunk is its own bounded write; memory is one
     * chunk of plaintext and its ciphertext.
     */
    public Staged stage(UUID organizationId, MediaType type, MediaProbe.Source source) throws IOException {
        byte[] mediaKey = new byte[MediaKeys.MEDIA_KEY_LENGTH];
        RANDOM.nextBytes(mediaKey);
        MediaEncryptor encryptor = new MediaEncryptor(MediaKeys.derive(mediaKey, type));
        Chunks chunks = new Chunks(organizationId);
        byte[] plain = new byte[CHUNK];
        try (InputStream in = source.open()) {
            int read;
            while ((read = in.readNBytes(plain, 0, plain.length)) > 0) {
                chunks.write(encryptor.update(plain, 0, read));
            }
        }
        chunks.write(encryptor.finish());
        MediaEncryptor.Sealed sealed = encryptor.sealed();
        chunks.close(sealed.blobLength());
        return new Staged(chunks.blobId, mediaKey, sealed);
    }

    /**
     * Keeps a copy of a received file as its media host served it (encrypted under the sender's
     * media key, which is sealed with the message), chunk by chunk; answers the blob's id. Blocking:
     * call it on a worker thread. The copy is swept like a staged blob once no message refers to it.
     */
    public UUID keep(UUID organizationId, java.nio.file.Path encrypted) throws IOException {
        Chunks chunks = new Chunks(organizationId);
        byte[] buffer = new byte[CHUNK];
        long length = 0;
        try (InputStream in = java.nio.file.Files.newInputStream(encrypted)) {
            int read;
            while ((read = in.readNBytes(buffer, 0, buffer.length)) > 0) {
                chunks.write(buffer, 0, read);
                length += read;
            }
        }
        chunks.close(length);
        return chunks.blobId;
    }

    /** The blob {@code blobId} written to a new temporary file in {@code directory}, chunk by chunk; null when it is gone. */
    public Uni<java.nio.file.Path> restore(UUID blobId, java.nio.file.Path directory) {
        return Uni.createFrom().item(() -> {
            java.nio.file.Path file;
            try {
                file = java.nio.file.Files.createTempFile(directory, "kept-", ".enc");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Duration wait = database.timeout().plusSeconds(1);
            try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(file)) {
                for (int seq = 0;; seq++) {
                    io.vertx.core.buffer.Buffer chunk = chunk(blobId, seq).await().atMost(wait);
                    if (chunk == null) {
                        break;
                    }
                    out.write(chunk.getBytes());
                }
            } catch (IOException | RuntimeException e) {
                file.toFile().delete();
                throw e instanceof IOException io ? new java.io.UncheckedIOException(io) : (RuntimeException) e;
            }
            return file;
        }).runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool());
    }

    /** A blob being written: full chunks of {@value #CHUNK} bytes from one fixed buffer, each its own bounded insert. */
    private final class Chunks {
        final UUID blobId = UUID.randomUUID();
        private final byte[] buffer = new byte[CHUNK];
        private final Duration wait = database.timeout().plusSeconds(1);
        private int filled;
        private int seq;

        Chunks(UUID organizationId) {
            database.bounded(pool.preparedQuery("INSERT INTO whatsapp_media_blob (id, organization_id, blob_length, chunks, created_at)"
                    + " VALUES ($1, $2, -1, -1, $3)").execute(Tuple.of(blobId, organizationId, OffsetDateTime.now(ZoneOffset.UTC))))
                    .await().atMost(wait);
        }

        void write(byte[] bytes) {
            write(bytes, 0, bytes.length);
        }

        void write(byte[] bytes, int offset, int length) {
            while (length > 0) {
                int n = Math.min(length, CHUNK - filled);
                System.arraycopy(bytes, offset, buffer, filled, n);
                filled += n;
                offset += n;
                length -= n;
                if (filled == CHUNK) {
                    flush();
                }
            }
        }

        private void flush() {
            if (filled > 0) {
                byte[] bytes = Arrays.copyOf(buffer, filled);
                database.bounded(pool.preparedQuery("INSERT INTO whatsapp_media_chunk (blob_id, seq, bytes) VALUES ($1, $2, $3)")
                        .execute(Tuple.of(blobId, seq++, Buffer.buffer(bytes)))).await().atMost(wait);
                filled = 0;
            }
        }

        void close(long blobLength) {
            flush();
            database.bounded(pool.preparedQuery("UPDATE whatsapp_media_blob SET blob_length = $2, chunks = $3 WHERE id = $1")
                    .execute(Tuple.of(blobId, blobLength, seq))).await().atMost(wait);
        }
    }

    /** Chunk {@code seq} of a blob, or null past its last. */
    public Uni<Buffer> chunk(UUID blobId, int seq) {
        return database.bounded(pool.preparedQuery("SELECT bytes FROM whatsapp_media_chunk WHERE blob_id = $1 AND seq = $2")
                .execute(Tuple.of(blobId, seq))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getBuffer("bytes").getDelegate()));
    }

    /** Removes blobs staged more than an hour ago that no message refers to; answers how many. */
    public Uni<Integer> sweepAbandoned() {
        return database.bounded(pool.preparedQuery("DELETE FROM whatsapp_media_blob b WHERE b.created_at < $1 AND NOT EXISTS"
                + " (SELECT 1 FROM whatsapp_outbound_message m WHERE m.media_blob_id = b.id) AND NOT EXISTS"
                + " (SELECT 1 FROM whatsapp_inbound_message i WHERE i.media_blob_id = b.id)")
                .execute(Tuple.of(OffsetDateTime.now(ZoneOffset.UTC).minus(ABANDONED_AFTER))).map(rows -> rows.rowCount()));
    }

    /** Removes a blob staged by a request that was then refused (nothing refers to it). */
    public Uni<Void> discard(UUID blobId) {
        return database.bounded(pool.preparedQuery("DELETE FROM whatsapp_media_blob b WHERE id = $1 AND NOT EXISTS"
                + " (SELECT 1 FROM whatsapp_outbound_message m WHERE m.media_blob_id = b.id) AND NOT EXISTS"
                + " (SELECT 1 FROM whatsapp_inbound_message i WHERE i.media_blob_id = b.id)").execute(Tuple.of(blobId)))
                .replaceWithVoid();
    }
}
