package io.switchboard.protocol.media;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Downloads a received file and hands out nothing unchecked: the blob is written to a temporary
 * file while its SHA-256 and MAC are computed; only when both verify is it decrypted (on a worker
 * thread) into a second file whose SHA-256 must be the message's. The caller streams that file
 * and deletes it. Memory is one network chunk.
 */
public final class MediaDownloader {

    /** The media host answered with an error status (403, 404 and 410 mean it no longer has the file). */
    public static final class HostAnswered extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        public HostAnswered(int status) {
            super("the media host answered HTTP " + status, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }

        public boolean gone() {
            return status == 403 || status == 404 || status == 410;
        }
    }

    private final Vertx vertx;
    private final MediaUploader clients;
    private final Duration timeout;

    /** {@code trust} as for {@link MediaUploader}: asked at the first download. */
    public MediaDownloader(Vertx vertx, java.util.function.Supplier<String> trust, Duration timeout) {
        this.vertx = vertx;
        this.clients = new MediaUploader(vertx, trust, timeout);
        this.timeout = timeout;
    }

    /** Where a file is: the message's https url, else WhatsApp's default host with its direct path. */
    public static URI location(MediaAttachment media) {
        if (media.url() != null && media.url().startsWith("https://")) {
            return URI.create(media.url());
        }
        if (media.directPath() != null && media.directPath().startsWith("/")) {
            return URI.create("https://mmg.whatsapp.net" + media.directPath());
        }
        throw new IllegalArgumentException("the message says neither where the file is (url) nor its direct path");
    }

    /**
     * The decrypted file, verified, in a new temporary file in {@code directory}; fails with
     * {@link HostAnswered}, {@link MediaDecryptor.CorruptMediaException} (then no file remains) or
     * a network error.
     */
    public Future<Path> download(MediaAttachment media, Path directory) {
        return fetch(media, directory).compose(blob -> vertx.<Path>executeBlocking(() -> decrypt(blob.file(),
                MediaKeys.derive(media.mediaKey(), media.type()), blob.ciphertextLength(), media.fileSha256(), directory), false)
                .eventually(() -> delete(blob.file())));
    }

    /** A file as the media host served it (encrypted), its SHA-256 and MAC verified, and the length of its ciphertext. */
    public record Fetched(Path file, long ciphertextLength) {
    }

    /**
     * The encrypted file as the media host serves it, in a new temporary file in {@code directory},
     * its SHA-256 and MAC verified (to keep a copy: {@link #open} decrypts it later); fails as
     * {@link #download} does, leaving no file.
     */
    public Future<Fetched> fetch(MediaAttachment media, Path directory) {
        URI uri;
        try {
            uri = location(media);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        MediaKeys keys = MediaKeys.derive(media.mediaKey(), media.type());
        long maxBlob = media.fileLength() >= 0 ? MediaEncryptor.blobLength(media.fileLength()) : 2L * 1024 * 1024 * 1024;
        Path blob;
        try {
            blob = Files.createTempFile(directory, "media-", ".enc");
        } catch (IOException e) {
            return Future.failedFuture(e);
        }
        MediaDecryptor.Verifier verifier = new MediaDecryptor.Verifier(keys);
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri.toString())
                .setIdleTimeout(timeout.toMillis()).putHeader("Origin", "https://web.whatsapp.com");
        Future<Void> fetched = vertx.fileSystem().open(blob.toString(), new OpenOptions().setWrite(true).setTruncateExisting(true))
                .compose(file -> clients.http().request(request).compose(sending -> sending.send()).compose(response -> {
                    if (response.statusCode() != 200) {
                        return response.body().transform(ignored -> Future.<Void>failedFuture(new HostAnswered(response.statusCode())));
                    }
                    Promise<Void> done = Promise.promise();
                    long[] size = {0};
                    response.handler(chunk -> {
                        size[0] += chunk.length();
                        if (size[0] > maxBlob) {
                            done.tryFail(new MediaDecryptor.CorruptMediaException("the file is larger than the message says"));
                            response.request().reset();
                            return;
                        }
                        verifier.update(chunk.getBytes(), 0, chunk.length());
                        file.write(chunk);
                        if (file.writeQueueFull()) {
                            response.pause();
                            file.drainHandler(v -> response.resume());
                        }
                    });
                    response.exceptionHandler(done::tryFail);
                    response.endHandler(v -> done.tryComplete());
                    return done.future();
                }).eventually(() -> file.close()));
        return fetched.compose(ignored -> vertx.executeBlocking(() -> {
            verifier.finish(media.fileEncSha256());
            return new Fetched(blob, verifier.ciphertextLength());
        }, false)).onFailure(error -> delete(blob));
    }

    /**
     * A kept copy of the encrypted file ({@code blob}, as {@link #fetch} got it) verified again and
     * decrypted into a new temporary file in {@code directory}, on a worker thread; {@code blob} stays.
     */
    public Future<Path> open(Path blob, MediaAttachment media, Path directory) {
        return vertx.executeBlocking(() -> {
            MediaKeys keys = MediaKeys.derive(media.mediaKey(), media.type());
            MediaDecryptor.Verifier verifier = new MediaDecryptor.Verifier(keys);
            try (InputStream in = Files.newInputStream(blob)) {
                byte[] buffer = new byte[64 * 1024];
                int read;
                while ((read = in.read(buffer)) > 0) {
                    verifier.update(buffer, 0, read);
                }
            }
            verifier.finish(media.fileEncSha256());
            return decrypt(blob, keys, verifier.ciphertextLength(), media.fileSha256(), directory);
        }, false);
    }

    private Future<Void> delete(Path file) {
        return vertx.fileSystem().delete(file.toString()).recover(e -> Future.succeededFuture());
    }

    private static Path decrypt(Path blob, MediaKeys keys, long ciphertextLength, byte[] fileSha256, Path directory)
            throws IOException, MediaDecryptor.CorruptMediaException {
        Path plain = Files.createTempFile(directory, "media-", ".bin");
        MediaDecryptor.Decryption decryption = new MediaDecryptor.Decryption(keys);
        try (InputStream in = Files.newInputStream(blob); OutputStream out = Files.newOutputStream(plain)) {
            byte[] buffer = new byte[64 * 1024];
            long left = ciphertextLength;
            while (left > 0) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (read < 0) {
                    throw new MediaDecryptor.CorruptMediaException("the file ended early");
                }
                left -= read;
                out.write(decryption.update(buffer, 0, read));
            }
            out.write(decryption.finish(fileSha256));
            return plain;
        } catch (IOException | MediaDecryptor.CorruptMediaException | RuntimeException e) {
            Files.deleteIfExists(plain);
            throw e;
        }
    }
}
