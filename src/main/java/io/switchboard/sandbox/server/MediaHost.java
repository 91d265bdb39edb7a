package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * WhatsApp's media servers, played over HTTPS on loopback: {@code media_conn} hands each device an
 * auth token and this host; an upload is checked strictly (a known token, a blob of whole AES
 * blocks plus the 10-byte MAC, and the {@code token} in the URL equal to base64url(SHA-256(blob)),
 * padded or not) and kept in a file under a fresh direct path; a download by direct path answers
 * the blob (ranges too), or 404 once a test expired it.
 */
public final class MediaHost {

    private static final System.Logger LOG = System.getLogger(MediaHost.class.getName());
    /** What a media_conn's auth token is good for, as WhatsApp's {@code ttl}/{@code auth_ttl}. */
    static final int TTL_SECONDS = 300;
    static final int AUTH_TTL_SECONDS = 21_600;
    static final long MAX_UPLOAD = 128L * 1024 * 1024;
    private static final Pattern UPLOAD = Pattern.compile("/mms/(image|video|audio|document|gif|ptt|sticker)/([A-Za-z0-9_-]{43}=?)");
    private static final Map<String, String> PREFIX = Map.of("image", "t62.7118-24", "document", "t62.7119-24",
            "audio", "t62.7114-24", "video", "t62.7161-24");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A file on the host. */
    public record Blob(String directPath, String kind, Path file, long size, byte[] sha256, String uploader, Instant at) {
    }

    private final Vertx vertx;
    private final MediaCertificate certificate;
    private final Path directory;
    /** Upload tokens: the device each was handed to, and until when it is good. */
    private record Token(String device, Instant until) {
    }

    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Blob> blobs = new ConcurrentHashMap<>();
    private final java.util.Set<String> expired = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    private volatile HttpServer server;

    MediaHost(Vertx vertx, Instant now) {
        this.vertx = vertx;
        this.certificate = MediaCertificate.create(now);
        try {
            this.directory = Files.createTempDirectory("switchboard-sandbox-media");
            this.directory.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts listening on 127.0.0.1 ({@code port} 0: any free port). */
    public synchronized Future<Integer> start(int port) {
        if (server != null) {
            return Future.succeededFuture(server.actualPort());
        }
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(port).setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(certificate.certificatePem()))
                        .setKeyValue(Buffer.buffer(certificate.privateKeyPem())));
        HttpServer created = vertx.createHttpServer(options).requestHandler(this::handle);
        return created.listen().map(listening -> {
            server = listening;
            LOG.log(System.Logger.Level.INFO, "sandbox media host listening at https://127.0.0.1:" + listening.actualPort());
            return listening.actualPort();
        });
    }

    Future<Void> stop() {
        HttpServer running = server;
        server = null;
        return running == null ? Future.succeededFuture() : running.close();
    }

    /** The host as media_conn names it. */
    public String hostname() {
        HttpServer running = server;
        if (running == null) {
            throw new IllegalStateException("the media host is not listening");
        }
        return "127.0.0.1:" + running.actualPort();
    }

    public String certificatePem() {
        return certificate.certificatePem();
    }

    /** The answer to {@code <iq type="set" xmlns="w:m"><media_conn/></iq>}: a fresh auth token and this host. */
    Node mediaConn(Node iq, Instant now) {
        return mediaConn(iq, now, "");
    }

    /** As {@link #mediaConn(Node, Instant)}, for the device {@code device} (its uploads are its own). */
    Node mediaConn(Node iq, Instant now, String device) {
        byte[] random = new byte[24];
        RANDOM.nextBytes(random);
        String auth = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        tokens.put(auth, new Token(device, now.plusSeconds(AUTH_TTL_SECONDS)));
        Node host = Node.withChildren("host", Stanzas.attrs("hostname", hostname(), "type", "primary"), List.of(
                Node.of("upload"), Node.withChildren("download", Stanzas.attrs(), List.of(Node.of("image"), Node.of("video"),
                        Node.of("audio"), Node.of("document"), Node.of("sticker")))));
        Node conn = Node.withChildren("media_conn", Stanzas.attrs("auth", auth, "auth_ttl", String.valueOf(AUTH_TTL_SECONDS),
                "ttl", String.valueOf(TTL_SECONDS), "max_buckets", "12"), List.of(host));
        return Stanzas.result(iq, List.of(conn));
    }

    /** The blob at {@code directPath} (its query ignored), if it was uploaded and has not expired. */
    public java.util.Optional<Blob> blob(String directPath) {
        String path = pathOf(directPath);
        return expired.contains(path) ? java.util.Optional.empty() : java.util.Optional.ofNullable(blobs.get(path));
    }

    /** Makes a file answer 404 (every file when {@code directPath} is null); answers how many. */
    public int expire(String directPath) {
        if (directPath == null) {
            expired.addAll(blobs.keySet());
            return blobs.size();
        }
        String path = pathOf(directPath);
        return blobs.containsKey(path) && expired.add(path) ? 1 : 0;
    }

    /** Makes every file uploaded by a device of {@code phone} answer 404; answers how many. */
    public int expireFrom(String phone) {
        int count = 0;
        for (Blob blob : blobs.values()) {
            if (uploadedBy(blob, phone) && expired.add(pathOf(blob.directPath()))) {
                count++;
            }
        }
        return count;
    }

    /** Flips one byte in the middle of every file uploaded by a device of {@code phone} (a host serving damaged files). */
    public int corruptFrom(String phone) {
        int count = 0;
        for (Blob blob : blobs.values()) {
            if (uploadedBy(blob, phone)) {
                try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(blob.file(),
                        java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                    java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                    long at = blob.size() / 2;
                    channel.read(one, at);
                    one.flip();
                    byte flipped = (byte) (one.get() ^ 0x01);
                    channel.write(java.nio.ByteBuffer.wrap(new byte[] {flipped}), at);
                    count++;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return count;
    }

    private static boolean uploadedBy(Blob blob, String phone) {
        String device = blob.uploader();
        return device.startsWith(phone + ":") || device.startsWith(phone + "@");
    }

    /** Uploads refused so far (a wrong token, hash or shape). */
    public long refused() {
        return refused.get();
    }

    /**
     * The phone uploads a file again (a media retry): the bytes once uploaded to {@code directPath},
     * expired or not, under a fresh direct path that answers; empty when the host never had them.
     */
    java.util.Optional<Blob> reupload(String directPath, String uploader) {
        Blob old = blobs.get(pathOf(directPath));
        if (old == null) {
            return java.util.Optional.empty();
        }
        String fresh = newDirectPath(old.kind());
        Blob kept = new Blob(fresh, old.kind(), old.file(), old.size(), old.sha256(), uploader, Instant.now());
        blobs.put(pathOf(fresh), kept);
        return java.util.Optional.of(kept);
    }

    /** Keeps bytes the sandbox itself uploads (the phone's media), as an upload would. */
    Blob store(String kind, byte[] blob, String uploader) {
        String directPath = newDirectPath(kind);
        Path file = directory.resolve(pathOf(directPath).replaceAll("[^A-Za-z0-9._-]", "_"));
        try {
            Files.write(file, blob);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Blob kept = new Blob(directPath, kind, file, blob.length, sha256(blob), uploader, Instant.now());
        blobs.put(pathOf(directPath), kept);
        return kept;
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        if ("POST".equals(request.method().name())) {
            upload(request, path);
        } else if ("GET".equals(request.method().name()) && path.startsWith("/v/")) {
            download(request, path);
        } else {
            request.response().setStatusCode(404).end();
        }
    }

    private void upload(HttpServerRequest request, String path) {
        Matcher matcher = UPLOAD.matcher(path);
        String auth = request.getParam("auth");
        Token known = auth == null ? null : tokens.get(auth);
        Instant until = known == null ? null : known.until();
        if (!matcher.matches()) {
            refuse(request, 400, "not an upload path: " + path);
            return;
        }
        if (until == null || until.isBefore(Instant.now())) {
            refuse(request, 401, "unknown or expired media auth token");
            return;
        }
        String token = matcher.group(2);
        if (request.getParam("token") != null && !request.getParam("token").equals(token)) {
            refuse(request, 400, "the token parameter differs from the path's");
            return;
        }
        String kind = matcher.group(1);
        String directPath = newDirectPath(kind);
        Path file = directory.resolve(pathOf(directPath).replaceAll("[^A-Za-z0-9._-]", "_"));
        request.pause();
        vertx.fileSystem().open(file.toString(), new OpenOptions().setCreate(true).setWrite(true)).onComplete(opened -> {
            if (opened.failed()) {
                refuse(request, 500, "could not keep the upload");
                return;
            }
            receive(request, opened.result(), file, kind, directPath, token);
        });
    }

    private void receive(HttpServerRequest request, AsyncFile out, Path file, String kind, String directPath, String token) {
        MessageDigest hash = sha256();
        long[] size = {0};
        boolean[] tooLarge = {false};
        request.handler(chunk -> {
            size[0] += chunk.length();
            if (size[0] > MAX_UPLOAD) {
                tooLarge[0] = true;
                return;
            }
            hash.update(chunk.getBytes());
            out.write(chunk);
            if (out.writeQueueFull()) {
                request.pause();
                out.drainHandler(v -> request.resume());
            }
        });
        request.exceptionHandler(error -> out.close());
        request.endHandler(v -> out.close().onComplete(closed -> {
            byte[] digest = hash.digest();
            String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
            String problem = tooLarge[0] ? "larger than " + MAX_UPLOAD + " bytes"
                    : size[0] < 26 || (size[0] - 10) % 16 != 0 ? size[0] + " bytes is not whole AES blocks followed by a 10-byte MAC"
                    : !expected.equals(token.replace("=", "")) ? "the token is not base64url(SHA-256(body))" : null;
            if (problem != null) {
                vertx.fileSystem().delete(file.toString());
                refuse(request, tooLarge[0] ? 413 : 400, problem);
                return;
            }
            Token uploader = tokens.get(request.getParam("auth"));
            blobs.put(pathOf(directPath), new Blob(directPath, kind, file, size[0], digest, uploader == null ? "" : uploader.device(),
                    Instant.now()));
            String url = "https://" + hostname() + directPath + "&mms3=true";
            request.response().putHeader("content-type", "application/json").end(new io.vertx.core.json.JsonObject()
                    .put("url", url).put("direct_path", directPath).put("handle", (Object) null).encode());
        }));
        request.resume();
    }

    private void download(HttpServerRequest request, String path) {
        if (expired.contains(path) || !blobs.containsKey(path)) {
            request.response().setStatusCode(expired.contains(path) ? 404 : 404).end();
            return;
        }
        Blob blob = blobs.get(path);
        String range = request.getHeader("range");
        Matcher bytes = range == null ? null : Pattern.compile("bytes=([0-9]+)-([0-9]*)").matcher(range);
        if (bytes != null && bytes.matches()) {
            long start = Long.parseLong(bytes.group(1));
            long end = bytes.group(2).isEmpty() ? blob.size() - 1 : Math.min(blob.size() - 1, Long.parseLong(bytes.group(2)));
            if (start > end) {
                request.response().setStatusCode(416).putHeader("content-range", "bytes */" + blob.size()).end();
                return;
            }
            request.response().setStatusCode(206).putHeader("content-range", "bytes " + start + "-" + end + "/" + blob.size())
                    .putHeader("content-type", "application/octet-stream").sendFile(blob.file().toString(), start, end - start + 1);
            return;
        }
        request.response().putHeader("content-type", "application/octet-stream").sendFile(blob.file().toString());
    }

    private void refuse(HttpServerRequest request, int status, String why) {
        refused.incrementAndGet();
        LOG.log(System.Logger.Level.INFO, "sandbox media host refused an upload: " + why);
        request.resume();
        request.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(new io.vertx.core.json.JsonObject().put("error", why).encode());
    }

    private static String newDirectPath(String kind) {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        String name = HexFormat.of().formatHex(random);
        long expiry = Instant.now().plusSeconds(14 * 24 * 3600).getEpochSecond();
        return "/v/" + PREFIX.getOrDefault(kind, "t62.7118-24") + "/" + name + "_n.enc?ccb=11-4&oh=" + name.substring(0, 8)
                + "&oe=" + Long.toHexString(expiry).toUpperCase(java.util.Locale.ROOT) + "&_nc_sid=5e03e0";
    }

    private static String pathOf(String directPath) {
        int query = directPath.indexOf('?');
        return query < 0 ? directPath : directPath.substring(0, query);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        return sha256().digest(bytes);
    }
}
