package io.switchboard.messaging;

import io.switchboard.protocol.media.MediaType;
import io.switchboard.web.ApiException;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * A file an organization asks to send, taken in: its type checked against its bytes and its size
 * against the type's limit, its facts read, then encrypted into a staged blob. Blocking (it reads
 * the file and writes the blob): callers run it on a worker thread.
 */
@ApplicationScoped
public class MediaIntake {

    /** WhatsApp shows file names up to about this long. */
    static final int MAX_FILE_NAME = 255;

    /** A file taken in: what the message will carry, and the digest its Idempotency-Key compares. */
    public record Taken(OutboxStore.OutboundMedia media, String digest) {
    }

    private final MediaConfig config;
    private final MediaBlobStore blobs;
    private final io.vertx.core.Vertx vertx;
    private final io.vertx.core.http.HttpClient http;

    MediaIntake(MediaConfig config, MediaBlobStore blobs, io.vertx.core.Vertx vertx) {
        this.config = config;
        this.blobs = blobs;
        this.vertx = vertx;
        this.http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setConnectTimeout(10_000)
                .setMaxPoolSize(16).setSsl(false));
    }

    /**
     * A file at an http(s) URL: the address checked as webhook targets are (no loopback, private or
     * internal address unless {@code switchboard.media.allow-private-urls}), connected to as checked
     * (no second lookup), no redirects, within {@code switchboard.media.url-timeout}, at most the
     * type's limit — written to a temporary file, then taken in as an upload.
     */
    public Taken fromUrl(UUID organizationId, MediaType type, String url, String mimetype, String fileName) {
        java.net.URI uri;
        java.net.InetAddress address;
        try {
            uri = io.switchboard.web.UrlGuard.parse(url);
            address = io.switchboard.web.UrlGuard.check(uri, config.allowPrivateUrls());
        } catch (io.switchboard.web.UrlGuard.Refused e) {
            throw new ApiException(400, "url-not-allowed", e.getMessage().replace("url ", "media.url "), java.util.List.of("media.url"));
        }
        long limit = limit(type);
        Path file;
        try {
            file = Files.createTempFile("switchboard-media-", ".download");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            fetch(uri, address, file, limit).toCompletionStage().toCompletableFuture()
                    .get(config.urlTimeout().toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS);
            String name = fileName != null ? fileName : type == MediaType.DOCUMENT ? lastSegment(uri) : null;
            return fromFile(organizationId, type, file, mimetype, name);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ApiException problem) {
                throw problem;
            }
            throw new ApiException(400, "media-url-failed", "media.url could not be fetched: " + e.getCause().getMessage(),
                    java.util.List.of("media.url"));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ApiException(400, "media-url-failed", "media.url did not answer within " + config.urlTimeout() + ".",
                    java.util.List.of("media.url"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                file.toFile().deleteOnExit();
            }
        }
    }

    private io.vertx.core.Future<Void> fetch(java.net.URI uri, java.net.InetAddress address, Path file, long limit) {
        boolean tls = "https".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        io.vertx.core.http.RequestOptions request = new io.vertx.core.http.RequestOptions()
                .setMethod(io.vertx.core.http.HttpMethod.GET).setHost(uri.getHost()).setPort(port).setSsl(tls)
                .setURI(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath()
                        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
                .setServer(io.vertx.core.net.SocketAddress.inetSocketAddress(new java.net.InetSocketAddress(address, port)))
                .setFollowRedirects(false).setTimeout(config.urlTimeout().toMillis());
        return vertx.fileSystem().open(file.toString(), new io.vertx.core.file.OpenOptions().setWrite(true).setTruncateExisting(true))
                .compose(out -> http.request(request).compose(io.vertx.core.http.HttpClientRequest::send).compose(response -> {
                    if (response.statusCode() != 200) {
                        return response.body().transform(ignored -> io.vertx.core.Future.<Void>failedFuture(new ApiException(400,
                                "media-url-failed", "media.url answered HTTP " + response.statusCode() + " (redirects are not"
                                + " followed).", java.util.List.of("media.url"))));
                    }
                    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
                    long[] size = {0};
                    response.handler(chunk -> {
                        size[0] += chunk.length();
                        if (size[0] > limit) {
                            // Failed first: the reset below makes the stream fail too, which must not be what is said.
                            done.tryFail(new ApiException(413, "media-too-large", "The file at media.url is larger than the "
                                    + limit + " bytes allowed.", java.util.List.of("media.url")));
                            response.request().reset();
                            return;
                        }
                        out.write(chunk);
                        if (out.writeQueueFull()) {
                            response.pause();
                            out.drainHandler(v -> response.resume());
                        }
                    });
                    response.exceptionHandler(done::tryFail);
                    response.endHandler(v -> done.tryComplete());
                    return done.future();
                }).eventually(() -> out.close()));
    }

    private static String lastSegment(java.net.URI uri) {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.endsWith("/")) {
            return null;
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.isBlank() || name.length() > MAX_FILE_NAME ? null : name;
    }

    /** The type an API name gives; 400 for anything else. */
    static MediaType type(String name) {
        MediaType type = name == null ? null : MediaType.ofApiName(name);
        if (type == null) {
            throw ApiException.invalidField("media.type", "must be one of image, video, audio, voice, document, sticker");
        }
        return type;
    }

    /** Base64 in a JSON body. */
    public Taken fromBase64(UUID organizationId, MediaType type, String data, String mimetype, String fileName) {
        byte[] bytes;
        try {
            // Strict base64 (line breaks allowed): anything else is refused, never skipped over.
            bytes = Base64.getDecoder().decode(data.replaceAll("[\\r\\n]", ""));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField("media.data", "is not base64");
        }
        byte[] file = bytes;
        return take(organizationId, type, mimetype, fileName, new MediaProbe.Source() {
            @Override
            public InputStream open() {
                return new ByteArrayInputStream(file);
            }

            @Override
            public long size() {
                return file.length;
            }
        });
    }

    /** A file part of a multipart body, on disk. */
    public Taken fromFile(UUID organizationId, MediaType type, Path path, String mimetype, String fileName) {
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new IllegalStateException("the uploaded part could not be read", e);
        }
        return take(organizationId, type, mimetype, fileName, new MediaProbe.Source() {
            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(path);
            }

            @Override
            public long size() {
                return size;
            }
        });
    }

    private Taken take(UUID organizationId, MediaType type, String mimetype, String fileName, MediaProbe.Source source) {
        long limit = limit(type);
        if (source.size() == 0) {
            throw ApiException.invalidField("media", "is an empty file");
        }
        if (source.size() > limit) {
            throw new ApiException(413, "media-too-large", "A " + type.apiName() + " may be at most " + limit + " bytes; this one is "
                    + source.size() + ".", java.util.List.of("media"));
        }
        if (fileName != null && (fileName.isBlank() || fileName.length() > MAX_FILE_NAME || fileName.contains("/")
                || fileName.contains("\\") || fileName.chars().anyMatch(c -> c < 0x20))) {
            throw ApiException.invalidField("media.fileName", "must be 1 to " + MAX_FILE_NAME + " characters, without slashes or"
                    + " control characters");
        }
        if (mimetype != null && !mimetype.matches("[a-z]+/[a-zA-Z0-9.+-]{1,100}(; ?[a-z]+=[a-zA-Z0-9.-]+)?")) {
            throw ApiException.invalidField("media.mimetype", "is not a mimetype");
        }
        MediaProbe.Facts facts;
        try {
            facts = MediaProbe.probe(type, type == MediaType.DOCUMENT ? mimetype : null, fileName, source);
        } catch (MediaProbe.Unsupported e) {
            throw new ApiException(400, "unsupported-media", e.getMessage(), java.util.List.of("media"));
        } catch (IOException e) {
            throw new IllegalStateException("the file could not be read", e);
        }
        MediaBlobStore.Staged staged;
        try {
            staged = blobs.stage(organizationId, type, source);
        } catch (IOException e) {
            throw new IllegalStateException("the file could not be read", e);
        }
        Base64.Encoder b64 = Base64.getEncoder();
        JsonObject info = new JsonObject().put("mimetype", facts.mimetype()).put("size", staged.sealed().fileLength())
                .put("sha256", b64.encodeToString(staged.sealed().fileSha256()))
                .put("encSha256", b64.encodeToString(staged.sealed().fileEncSha256()))
                .put("blobLength", staged.sealed().blobLength()).put("keyTimestamp", Instant.now().getEpochSecond());
        if (facts.width() != null && facts.height() != null) {
            info.put("width", facts.width()).put("height", facts.height());
        }
        if (facts.seconds() != null) {
            info.put("seconds", facts.seconds());
        }
        String name = type == MediaType.DOCUMENT && fileName == null ? "file" : fileName;
        OutboxStore.OutboundMedia media = new OutboxStore.OutboundMedia(type, info, staged.blobId(), null, null, name,
                staged.mediaKey(), facts.thumbnail());
        return new Taken(media, type.apiName() + ":" + info.getString("sha256") + ":" + (name == null ? "" : name));
    }

    /** Forgets a staged file whose message was not created (a replayed key, a full queue). */
    public io.smallrye.mutiny.Uni<Void> discard(OutboxStore.OutboundMedia media) {
        return blobs.discard(media.blobId());
    }

    long limit(MediaType type) {
        return switch (type) {
            case IMAGE -> config.maxImage().asLongValue();
            case VIDEO -> config.maxVideo().asLongValue();
            case AUDIO -> config.maxAudio().asLongValue();
            case VOICE -> config.maxVoice().asLongValue();
            case DOCUMENT -> config.maxDocument().asLongValue();
            case STICKER -> config.maxSticker().asLongValue();
        };
    }
}
