package io.switchboard.webhook;

import io.switchboard.web.UrlGuard;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.switchboard.events.EventNotices;
import io.switchboard.events.EventStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Promise;
import io.switchboard.db.Database;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Delivers webhook events, at least once: every replica claims due deliveries (each claimed by one
 * replica at a time) when an event is written and at least once a second, posts the event's JSON
 * signed as Standard Webhooks does, and records the attempt. A 2xx answer delivers it; anything
 * else (or no answer within the deadline) retries with exponential backoff and jitter until the
 * event is older than {@code give-up-after}, then the delivery is {@code dead}.
 *
 * <p>One tenant cannot stall another: an attempt has a hard deadline ({@code timeout}: resolving,
 * connecting, sending and reading the answer, of which at most 1 KB is read), a replica attempts
 * at most {@code per-organization} deliveries of one organization and {@code per-endpoint} of one
 * endpoint at once, organizations take turns in a claim, and a claim lasts longer than its
 * attempt can, so no other replica sends the event meanwhile; only the attempt holding the current
 * claim records an outcome. The target is resolved and checked before each attempt, which then
 * connects to the address checked (Host and SNI keep the name).
 */
@ApplicationScoped
class WebhookDispatcher {

    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);
    /** The safety net: deliveries are claimed when an event is written (LISTEN), and at least this often (retries come due). */
    private static final long TICK_MILLIS = 1000;
    private static final int RESPONSE_KEPT = 1024;

    private final Vertx vertx;
    private final WebhookStore store;
    private final EventStore events;
    private final WebhookConfig config;
    private final MeterRegistry metrics;
    private final Database database;
    private final String replica = "webhooks-" + UUID.randomUUID();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<UUID, Integer> busyOrganizations = new ConcurrentHashMap<>();
    private final Map<UUID, Integer> busyEndpoints = new ConcurrentHashMap<>();
    private final AtomicLong queueDepth = new AtomicLong();
    private final Timer latency;
    private HttpClient http;
    private long timer = -1;
    private final EventNotices notices;
    private Runnable stopListening = () -> { };
    private volatile boolean claiming;
    private volatile boolean claimAgain;

    WebhookDispatcher(Vertx vertx, WebhookStore store, EventStore events, WebhookConfig config, MeterRegistry metrics,
            EventNotices notices, Database database) {
        this.notices = notices;
        this.vertx = vertx;
        this.store = store;
        this.events = events;
        this.config = config;
        this.metrics = metrics;
        this.database = database;
        if (config.perOrganization() < 1 || config.perEndpoint() < 1 || config.concurrency() < 1) {
            throw new IllegalArgumentException("switchboard.webhooks.concurrency, per-organization and per-endpoint must be at least 1");
        }
        this.latency = Timer.builder("switchboard.webhooks.delivery.latency").description("Time from sending a webhook to its answer")
                .register(metrics);
        Gauge.builder("switchboard.webhooks.queue.depth", queueDepth, AtomicLong::get)
                .description("Webhook deliveries pending or being attempted (all replicas)").register(metrics);
        Gauge.builder("switchboard.webhooks.in.flight", inFlight, AtomicInteger::get)
                .description("Webhook attempts this replica has open").register(metrics);
    }

    void onStart(@Observes StartupEvent event) {
        int timeout = (int) config.timeout().toMillis();
        // Connections per target host as many as the replica's attempts: the per-organization and per-endpoint caps
        // bound a tenant, not a shared pool of 5 (Vert.x' default) that two tenants on one receiver host would share.
        http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(timeout).setIdleTimeout(timeout)
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS).setKeepAlive(true).setMaxRedirects(0).setTrustAll(false)
                .setForceSni(true).setMaxPoolSize(config.concurrency()));
        timer = vertx.setPeriodic(TICK_MILLIS, t -> tick());
        stopListening = notices.listen(null, () -> vertx.runOnContext(ignored -> tick()));
    }

    void onStop(@Observes ShutdownEvent event) {
        stopListening.run();
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** A claim outlives its attempt: the deadline, then recording the outcome (one bounded database call), with room to spare. */
    private Duration claimFor() {
        return config.timeout().multipliedBy(2).plus(database.timeout());
    }

    private void tick() {
        int free = config.concurrency() - inFlight.get();
        if (free <= 0) {
            return;
        }
        if (claiming) {
            // Woken during a claim (an event written meanwhile): one more claim after it, however many wake-ups came.
            claimAgain = true;
            return;
        }
        claiming = true;
        claimAgain = false;
        store.claim(replica, free, claimFor(), Map.copyOf(busyOrganizations), Map.copyOf(busyEndpoints), config.perOrganization(),
                config.perEndpoint()).subscribe().with(due -> {
                    claiming = false;
                    due.forEach(this::deliver);
                    if (claimAgain) {
                        vertx.runOnContext(ignored -> tick());
                    }
                }, error -> {
                    claiming = false;
                    LOG.debugf("claiming webhook deliveries failed: %s", error.getMessage());
                });
        store.open().subscribe().with(queueDepth::set, error -> { });
    }

    /** What an attempt got: the status (null when no answer came), up to 1 KB of the body, and whether the deadline cut it. */
    private record Answer(Integer status, String body, boolean cut) {
    }

    /** One attempt in progress: what has come so far, and the request to reset when it ends early. */
    private static final class Attempt {
        final Promise<Answer> done = Promise.promise();
        final Buffer kept = Buffer.buffer();
        volatile Integer status;
        volatile HttpClientRequest request;
    }

    private void deliver(WebhookStore.Due due) {
        inFlight.incrementAndGet();
        busyOrganizations.merge(due.organizationId(), 1, Integer::sum);
        busyEndpoints.merge(due.endpointId(), 1, Integer::sum);
        int attemptNumber = due.attempts() + 1;
        long started = System.nanoTime();
        Attempt attempt = new Attempt();
        long deadline = vertx.setTimer(config.timeout().toMillis(), t -> attempt.done.tryComplete(
                new Answer(attempt.status, attempt.kept.toString(), true)));
        URI uri;
        try {
            uri = UrlGuard.parse(due.url());
            URI target = uri;
            vertx.<InetAddress>executeBlocking(() -> UrlGuard.check(target, config.allowPrivateTargets()), false)
                    .compose(address -> Future.fromCompletionStage(events.find(due.eventSeq()).subscribeAsCompletionStage())
                            .compose(event -> Future.fromCompletionStage(store.secrets(due.endpointId()).subscribeAsCompletionStage())
                                    .compose(secrets -> post(target, address, event, secrets, attempt))))
                    .onComplete(posted -> {
                        if (posted.failed()) {
                            attempt.done.tryFail(posted.cause());
                        }
                    });
        } catch (UrlGuard.Refused e) {
            attempt.done.tryFail(e);
        }
        attempt.done.future().onComplete(done -> {
            vertx.cancelTimer(deadline);
            HttpClientRequest request = attempt.request;
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (done.succeeded() && done.result().status() != null) {
                Answer answer = done.result();
                if (answer.cut() && request != null) {
                    request.reset();
                }
                latency.record(Duration.ofMillis(millis));
                finish(due, attemptNumber, answer.status(), millis, answer.status() / 100 == 2 ? null : "answered " + answer.status(),
                        answer.body());
            } else if (done.succeeded()) {
                if (request != null) {
                    request.reset();
                }
                finish(due, attemptNumber, null, millis, "no answer within " + config.timeout().toMillis()
                        + " ms (the deadline of an attempt: resolving, connecting, sending, answering)", null);
            } else {
                Throwable cause = done.cause();
                finish(due, attemptNumber, null, millis, cause instanceof UrlGuard.Refused ? cause.getMessage()
                        : cause.getClass().getSimpleName() + ": " + cause.getMessage(), null);
            }
        });
    }

    /** Posts the event to {@code address} (Host and SNI from the URL); completes the attempt when the answer ends or 1 KB came. */
    private Future<Void> post(URI uri, InetAddress address, EventStore.Event event, java.util.List<String> secrets, Attempt attempt) {
        if (event == null) {
            return Future.failedFuture(new IllegalStateException("the event is gone"));
        }
        if (secrets.isEmpty()) {
            return Future.failedFuture(new IllegalStateException("the endpoint is gone"));
        }
        String id = new io.vertx.core.json.JsonObject(event.body()).getString("id");
        long timestamp = Instant.now().getEpochSecond();
        boolean tls = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(uri.getHost()).setPort(port).setSsl(tls)
                .setServer(SocketAddress.inetSocketAddress(new InetSocketAddress(address, port)))
                .setURI(path).setFollowRedirects(false)
                .putHeader("content-type", "application/json").putHeader("user-agent", "Switchboard-Webhooks/1")
                .putHeader("webhook-id", id).putHeader("webhook-timestamp", String.valueOf(timestamp))
                .putHeader("webhook-signature", WebhookSigner.signature(secrets, id, timestamp, event.body()));
        return http.request(options).compose(request -> {
            attempt.request = request;
            if (attempt.done.future().isComplete()) {
                request.reset();
                return Future.succeededFuture();
            }
            return request.send(Buffer.buffer(event.body()));
        }).compose(response -> {
            attempt.status = response.statusCode();
            response.handler(chunk -> {
                int room = RESPONSE_KEPT - attempt.kept.length();
                attempt.kept.appendBuffer(chunk.length() > room ? chunk.getBuffer(0, room) : chunk);
                if (attempt.kept.length() >= RESPONSE_KEPT) {
                    // Enough read: the rest of the answer is not waited for.
                    attempt.done.tryComplete(new Answer(attempt.status, attempt.kept.toString(), true));
                }
            });
            response.exceptionHandler(error -> attempt.done.tryComplete(new Answer(attempt.status, attempt.kept.toString(), false)));
            response.endHandler(ignored -> attempt.done.tryComplete(new Answer(attempt.status, attempt.kept.toString(), false)));
            return Future.<Void>succeededFuture();
        });
    }

    private void finish(WebhookStore.Due due, int attempt, Integer status, long millis, String error, String response) {
        boolean delivered = status != null && status / 100 == 2;
        Instant next = null;
        String outcome = "delivered";
        if (!delivered) {
            metrics.counter("switchboard.webhooks.failures", "status", status == null ? "none" : String.valueOf(status)).increment();
            long base = config.firstRetry().toMillis() << Math.min(attempt - 1, 30);
            long wait = Math.min(config.maxRetryInterval().toMillis(), Math.max(base, 1));
            long jittered = (long) (wait * (0.5 + ThreadLocalRandom.current().nextDouble()));
            next = Instant.now().plusMillis(jittered);
            outcome = next.isAfter(due.createdAt().plus(config.giveUpAfter())) ? "dead" : "pending";
            if ("dead".equals(outcome)) {
                LOG.warnf("webhook delivery %s to %s is dead after %d attempts: %s", due.id(), due.url(), attempt, error);
            }
        }
        Runnable release = () -> {
            inFlight.decrementAndGet();
            busyOrganizations.computeIfPresent(due.organizationId(), (k, n) -> n <= 1 ? null : n - 1);
            busyEndpoints.computeIfPresent(due.endpointId(), (k, n) -> n <= 1 ? null : n - 1);
        };
        store.attempted(due, replica, attempt, status, millis, error, response, outcome, next).subscribe().with(
                ok -> {
                    release.run();
                    // A backlog drains at the receivers' pace, not the tick's: a freed slot claims the next one.
                    vertx.runOnContext(ignored -> tick());
                }, failure -> {
                    release.run();
                    LOG.debugf("recording webhook attempt %d of %s failed: %s", attempt, due.id(), failure.getMessage());
                });
    }
}
