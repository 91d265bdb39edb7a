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
 * Files to send, kept in PostgreSQL before their message is accepted: encrypted while they are
 * read (the exact blob a media host receives, under a fresh media key), in chunks of
 * {@value #CHUNK} bytes, so no request holds a whole file and an upload retried after a crash
 * sends the same bytes. The media key is sealed with the message; a blob no message refers to is
 * swept an hour after it was staged.
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
        UUID blobId = UUID.randomUUID();
        Duration wait = database.timeout().plusSeconds(1);
        database.bounded(pool.preparedQuery("INSERT INTO whatsapp_media_blob (id, organization_id, blob_length, chunks, created_at)"
                + " VALUES ($1, $2, -1, -1, $3)").execute(Tuple.of(blobId, organizationId, OffsetDateTime.now(ZoneOffset.UTC))))
                .await().atMost(wait);
        int seq = 0;
        byte[] plain = new byte[CHUNK];
        byte[] pending = new byte[0];
        try (InputStream in = source.open()) {
            int read;
            while ((read = in.readNBytes(plain, 0, plain.length)) > 0) {
                pending = concat(pending, encryptor.update(plain, 0, read));
                if (pending.length >= CHUNK) {
                    write(blobId, seq++, Arrays.copyOf(pending, CHUNK), wait);
                    pending = Arrays.copyOfRange(pending, CHUNK, pending.length);
                }
            }
        }
        pending = concat(pending, encryptor.finish());
        while (pending.length > 0) {
            int n = Math.min(CHUNK, pending.length);
            write(blobId, seq++, Arrays.copyOf(pending, n), wait);
            pending = Arrays.copyOfRange(pending, n, pending.length);
        }
        MediaEncryptor.Sealed sealed = encryptor.sealed();
        database.bounded(pool.preparedQuery("UPDATE whatsapp_media_blob SET blob_length = $2, chunks = $3 WHERE id = $1")
                .execute(Tuple.of(blobId, sealed.blobLength(), seq))).await().atMost(wait);
        return new Staged(blobId, mediaKey, sealed);
    }

    private void write(UUID blobId, int seq, byte[] bytes, Duration wait) {
        database.bounded(pool.preparedQuery("INSERT INTO whatsapp_media_chunk (blob_id, seq, bytes) VALUES ($1, $2, $3)")
                .execute(Tuple.of(blobId, seq, Buffer.buffer(bytes)))).await().atMost(wait);
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
                + " (SELECT 1 FROM whatsapp_outbound_message m WHERE m.media_blob_id = b.id)")
                .execute(Tuple.of(OffsetDateTime.now(ZoneOffset.UTC).minus(ABANDONED_AFTER))).map(rows -> rows.rowCount()));
    }

    /** Removes a blob staged by a request that was then refused (nothing refers to it). */
    public Uni<Void> discard(UUID blobId) {
        return database.bounded(pool.preparedQuery("DELETE FROM whatsapp_media_blob b WHERE id = $1 AND NOT EXISTS"
                + " (SELECT 1 FROM whatsapp_outbound_message m WHERE m.media_blob_id = b.id)").execute(Tuple.of(blobId)))
                .replaceWithVoid();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
