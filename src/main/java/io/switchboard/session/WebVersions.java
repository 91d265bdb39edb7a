package io.switchboard.session;

import io.micrometer.core.instrument.Gauge;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.WebVersion;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The WhatsApp Web version this replica announces. It starts as the configured version, which
 * is also the floor and the fallback, and follows what WhatsApp publishes in {@code sw.js}
 * ({@code "client_revision":N} is the third part of 2.3000.N), read at start-up and again when
 * WhatsApp refuses a version (405). Concurrent refusals share one fetch; fetches are spaced.
 */
@ApplicationScoped
class WebVersions {

    private static final Logger LOG = Logger.getLogger(WebVersions.class);
    /** Baileys' fetchLatestWaWebVersion reads the same field, escaped or not. */
    private static final Pattern REVISION = Pattern.compile("\\\\?\"client_revision\\\\?\":\\s*(\\d{1,10})");
    /** What web.whatsapp.com expects from a browser; a bare client is turned away. */
    static final String BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/131.0.0.0 Safari/537.36";
    static final Duration SPACING = Duration.ofSeconds(5);
    /** A failed read is reused only this long: the script may be reachable a moment later (at start-up, say). */
    static final Duration FAILED_SPACING = Duration.ofSeconds(1);
    static final int MAX_SCRIPT_BYTES = 8 << 20;

    /** One look at the published version: {@code version} when read, else {@code problem} says why not. */
    record Fetch(WebVersion version, String problem, long atNanos) {
    }

    private final WebVersion configured;
    private final Optional<URI> url;
    private final Duration timeout;
    private final Vertx vertx;
    private final SessionMetrics metrics;
    private volatile WebVersion current;
    private volatile WebVersion lastWarned;
    private Fetch last;
    private CompletableFuture<Fetch> pending;
    private HttpClient http;

    WebVersions(SessionConfig config, Vertx vertx, SessionMetrics metrics) {
        this.configured = ClientOptionsFactory.webVersion(config.webVersion());
        this.url = url(config.versionUrl());
        this.timeout = config.versionFetchTimeout();
        this.vertx = vertx;
        this.metrics = metrics;
        this.current = configured;
        Gauge.builder("switchboard.whatsapp.web.version.revision", this, v -> v.current.tertiary())
                .description("Third part of the WhatsApp Web version this replica announces").register(metrics.registry());
        Gauge.builder("switchboard.whatsapp.web.version.differs", this, v -> v.current.equals(v.configured) ? 0 : 1)
                .description("1 when the announced version is not the configured one (WhatsApp published a newer one)")
                .register(metrics.registry());
    }

    static Optional<URI> url(String value) {
        if ("none".equals(value.trim())) {
            return Optional.empty();
        }
        URI uri;
        try {
            uri = URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            throw ClientOptionsFactory.invalid("version-url", e.getMessage());
        }
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw ClientOptionsFactory.invalid("version-url", "must be an http(s) URL or 'none', not " + value);
        }
        return Optional.of(uri);
    }

    void onStart(@Observes StartupEvent event) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw ClientOptionsFactory.invalid("version-fetch-timeout", "must be greater than zero");
        }
        url.ifPresent(ignored -> refresh().subscribe().with(fetch -> { }, error -> { }));
    }

    /** The version to announce now. */
    WebVersion current() {
        return current;
    }

    WebVersion configured() {
        return configured;
    }

    String source() {
        return url.map(URI::toString).orElse("none");
    }

    /** Reads the published version (or joins a read in progress, or reuses one a few seconds old). */
    Uni<Fetch> refresh() {
        if (url.isEmpty()) {
            return Uni.createFrom().item(new Fetch(null, "fetching is turned off (switchboard.whatsapp.version-url=none)",
                    System.nanoTime()));
        }
        CompletableFuture<Fetch> mine;
        synchronized (this) {
            if (pending != null) {
                mine = pending;
            } else if (last != null && System.nanoTime() - last.atNanos()
                    < (last.version() == null ? FAILED_SPACING : SPACING).toNanos()) {
                return Uni.createFrom().item(last);
            } else {
                mine = new CompletableFuture<>();
                pending = mine;
                fetch().subscribe().with(fetch -> finished(mine, fetch),
                        error -> finished(mine, new Fetch(null, describe(error), System.nanoTime())));
            }
        }
        return Uni.createFrom().completionStage(mine);
    }

    private void finished(CompletableFuture<Fetch> mine, Fetch fetch) {
        synchronized (this) {
            last = fetch;
            pending = null;
        }
        metrics.registry().counter("switchboard.whatsapp.web.version.fetches", "outcome",
                fetch.version() == null ? "failed" : "read").increment();
        if (fetch.version() == null) {
            LOG.warnf("could not read the current WhatsApp Web version from %s: %s; announcing %s", source(),
                    fetch.problem(), current);
        } else {
            adopt(fetch.version());
        }
        mine.complete(fetch);
    }

    private void adopt(WebVersion published) {
        WebVersion before = current;
        if (published.isNewerThan(before)) {
            current = published;
        }
        if (!published.equals(configured) && !published.equals(lastWarned)) {
            lastWarned = published;
            LOG.warnf("WhatsApp Web publishes version %s at %s but switchboard.whatsapp.web-version is %s; announcing %s"
                    + " (update the configured version to silence this)", published, source(), configured, current);
        }
    }

    private Uni<Fetch> fetch() {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url.get().toString())
                .putHeader("user-agent", BROWSER_AGENT).putHeader("sec-fetch-site", "none")
                .putHeader("accept", "*/*");
        Future<Fetch> answer = client().request(request).compose(sent -> sent.send()).compose(response -> {
            if (response.statusCode() != 200) {
                response.end();
                return Future.failedFuture("HTTP " + response.statusCode());
            }
            String length = response.getHeader("content-length");
            if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) > MAX_SCRIPT_BYTES) {
                return Future.failedFuture("the script is larger than " + MAX_SCRIPT_BYTES + " bytes");
            }
            return response.body().map(body -> parse(body.toString(StandardCharsets.UTF_8)));
        });
        return Uni.createFrom().completionStage(answer::toCompletionStage)
                .ifNoItem().after(timeout).failWith(() -> new IllegalStateException("no answer within " + timeout));
    }

    Fetch parse(String script) {
        Matcher matcher = REVISION.matcher(script);
        if (!matcher.find()) {
            return new Fetch(null, "the script holds no client_revision", System.nanoTime());
        }
        long revision = Long.parseLong(matcher.group(1));
        try {
            return new Fetch(configured.withTertiary(revision), null, System.nanoTime());
        } catch (IllegalArgumentException e) {
            return new Fetch(null, "client_revision " + revision + " is out of range", System.nanoTime());
        }
    }

    private synchronized HttpClient client() {
        if (http == null) {
            int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
            http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(millis)
                    .setIdleTimeout(Math.max(1, millis / 1000)).setMaxPoolSize(1).setKeepAlive(false));
        }
        return http;
    }

    private static String describe(Throwable error) {
        String message = error.getMessage();
        return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
    }
}
