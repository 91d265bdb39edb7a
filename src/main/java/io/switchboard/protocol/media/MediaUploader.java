package io.switchboard.protocol.media;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.IntFunction;

/**
 * Uploads an encrypted blob to WhatsApp's media hosts: {@code POST https://<host><path>/<token>
 * ?auth=<auth>&token=<token>} with the blob as the body, streamed chunk by chunk as the source
 * gives them, each host in the order media_conn lists them until one answers 200 with a
 * {@code url} or {@code direct_path}. One HTTPS client per Vert.x instance and trust setting.
 */
public final class MediaUploader {

    /** Where the blob is, chunk by chunk: chunk {@code i}, or null after the last. */
    public interface ChunkSource extends IntFunction<Future<Buffer>> {
    }

    /** Where the host keeps the file. */
    public record Uploaded(String url, String directPath, String host) {
    }

    /** Every host refused the upload; the message names each host's answer. */
    public static final class UploadFailed extends Exception {
        private static final long serialVersionUID = 1L;

        public UploadFailed(String message) {
            super(message);
        }
    }

    private static final Map<Vertx, Map<String, HttpClient>> CLIENTS = new WeakHashMap<>();

    private final Vertx vertx;
    private final java.util.function.Supplier<String> trust;
    private final Duration timeout;
    private volatile HttpClient http;

    /**
     * @param trust the PEM certificate to trust instead of the system's (the sandbox's media host), or
     *              null; asked at the first upload, so a setting that names nothing fails media only
     */
    public MediaUploader(Vertx vertx, java.util.function.Supplier<String> trust, Duration timeout) {
        this.vertx = vertx;
        this.trust = trust;
        this.timeout = timeout;
    }

    HttpClient http() {
        HttpClient client = http;
        if (client == null) {
            client = client(vertx, trust.get());
            http = client;
        }
        return client;
    }

    static synchronized HttpClient client(Vertx vertx, String trustPem) {
        return CLIENTS.computeIfAbsent(vertx, v -> new java.util.HashMap<>()).computeIfAbsent(trustPem == null ? "" : trustPem,
                pem -> {
                    HttpClientOptions options = new HttpClientOptions().setSsl(true).setVerifyHost(true)
                            .setConnectTimeout(10_000).setMaxPoolSize(64).setKeepAlive(true);
                    if (!pem.isEmpty()) {
                        options.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(pem)));
                    }
                    return vertx.createHttpClient(options);
                });
    }

    /** Tries each host in order; fails with {@link UploadFailed} naming every host's answer. */
    public Future<Uploaded> upload(MediaConn conn, MediaType type, byte[] fileEncSha256, long length, ChunkSource source) {
        String token = MediaUpload.token(fileEncSha256);
        return attempt(conn.hosts(), 0, conn.auth(), type, token, length, source, new StringBuilder());
    }

    private Future<Uploaded> attempt(List<String> hosts, int index, String auth, MediaType type, String token, long length,
            ChunkSource source, StringBuilder answers) {
        if (index >= hosts.size()) {
            return Future.failedFuture(new UploadFailed("media upload failed on every host: " + answers));
        }
        String host = hosts.get(index);
        return one(host, auth, type, token, length, source).recover(error -> {
            answers.append(answers.length() == 0 ? "" : "; ").append(host).append(": ").append(error.getMessage());
            return attempt(hosts, index + 1, auth, type, token, length, source, answers);
        });
    }

    private Future<Uploaded> one(String host, String auth, MediaType type, String token, long length, ChunkSource source) {
        int colon = host.lastIndexOf(':');
        String name = colon < 0 ? host : host.substring(0, colon);
        int port = colon < 0 ? 443 : Integer.parseInt(host.substring(colon + 1));
        String uri = type.uploadPath() + "/" + token + "?auth=" + URLEncoder.encode(auth, StandardCharsets.UTF_8) + "&token=" + token;
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(name).setPort(port).setSsl(true)
                .setURI(uri).setIdleTimeout(timeout.toMillis())
                .putHeader("Origin", "https://web.whatsapp.com").putHeader("Referer", "https://web.whatsapp.com/")
                .putHeader("Content-Type", "application/octet-stream").putHeader("Content-Length", String.valueOf(length));
        return http().request(request).compose(sending -> {
            sending.setChunked(false);
            Future<io.vertx.core.http.HttpClientResponse> answer = sending.response();
            return write(sending, source, 0).compose(ignored -> sending.end()).compose(ignored -> answer)
                    .compose(response -> response.body().compose(body -> {
                        if (response.statusCode() != 200) {
                            return Future.failedFuture(new IllegalStateException("HTTP " + response.statusCode() + " "
                                    + abbreviated(body.toString(StandardCharsets.UTF_8))));
                        }
                        JsonObject json;
                        try {
                            json = body.toJsonObject();
                        } catch (RuntimeException e) {
                            return Future.failedFuture(new IllegalStateException("an answer that is not JSON"));
                        }
                        String directPath = json.getString("direct_path");
                        String url = json.getString("url");
                        if (directPath == null || !directPath.startsWith("/")) {
                            return Future.failedFuture(new IllegalStateException("no direct_path in " + abbreviated(json.encode())));
                        }
                        return Future.succeededFuture(new Uploaded(url != null ? url : "https://" + host + directPath, directPath, host));
                    }));
        });
    }

    /**
     * Writes the chunks in order, each only once the connection has room: a write's future completes
     * when it is queued, not sent, so without waiting for the drain a fast source would queue the
     * whole file in memory.
     */
    private Future<Void> write(io.vertx.core.http.HttpClientRequest sending, ChunkSource source, int index) {
        return source.apply(index).compose(chunk -> {
            if (chunk == null) {
                return Future.succeededFuture();
            }
            sending.write(chunk);
            return room(sending).compose(ignored -> write(sending, source, index + 1));
        });
    }

    private static Future<Void> room(io.vertx.core.http.HttpClientRequest sending) {
        if (!sending.writeQueueFull()) {
            return Future.succeededFuture();
        }
        io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
        sending.drainHandler(v -> drained.tryComplete());
        sending.exceptionHandler(drained::tryFail);
        return drained.future();
    }

    private static String abbreviated(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
