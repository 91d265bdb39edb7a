package io.switchboard.webhook;

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
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Delivers webhook events, at least once: every replica claims due deliveries (each claimed by one
 * replica at a time) twice a second, posts the event's JSON signed as Standard Webhooks does,
 * and records the attempt. A 2xx answer delivers it; anything else (or no answer within the
 * timeout) retries with exponential backoff and jitter until the event is older than
 * {@code give-up-after}, then the delivery is {@code dead}. The target is checked again before
 * each attempt, so a name that came to resolve inside the network is refused.
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
    private final String replica = "webhooks-" + UUID.randomUUID();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong queueDepth = new AtomicLong();
    private final Timer latency;
    private HttpClient http;
    private long timer = -1;
    private final EventNotices notices;
    private Runnable stopListening = () -> { };
    private volatile boolean claiming;
    private volatile boolean claimAgain;

    WebhookDispatcher(Vertx vertx, WebhookStore store, EventStore events, WebhookConfig config, MeterRegistry metrics,
            EventNotices notices) {
        this.notices = notices;
        this.vertx = vertx;
        this.store = store;
        this.events = events;
        this.config = config;
        this.metrics = metrics;
        this.latency = Timer.builder("switchboard.webhooks.delivery.latency").description("Time from sending a webhook to its answer")
                .register(metrics);
        Gauge.builder("switchboard.webhooks.queue.depth", queueDepth, AtomicLong::get)
                .description("Webhook deliveries pending or being attempted (all replicas)").register(metrics);
    }

    void onStart(@Observes StartupEvent event) {
        int timeout = (int) config.timeout().toMillis();
        http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(timeout).setIdleTimeout(timeout)
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS).setKeepAlive(true).setMaxRedirects(0).setTrustAll(false));
        timer = vertx.setPeriodic(TICK_MILLIS, t -> tick());
        stopListening = notices.listen(null, () -> vertx.runOnContext(ignored -> tick()));
    }

    void onStop(@Observes ShutdownEvent event) {
        stopListening.run();
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
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
        store.claim(replica, free, config.timeout().multipliedBy(3)).subscribe().with(due -> {
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

    private void deliver(WebhookStore.Due due) {
        inFlight.incrementAndGet();
        int attempt = due.attempts() + 1;
        long started = System.nanoTime();
        URI uri;
        try {
            uri = UrlGuard.parse(due.url());
        } catch (UrlGuard.Refused e) {
            finish(due, attempt, null, 0, e.getMessage(), null);
            return;
        }
        URI target = uri;
        vertx.<Void>executeBlocking(() -> {
            UrlGuard.check(target, config.allowPrivateTargets());
            return null;
        }, false).compose(ignored -> Future.fromCompletionStage(events.find(due.eventSeq()).subscribeAsCompletionStage()))
                .compose(event -> Future.fromCompletionStage(store.secrets(due.endpointId()).subscribeAsCompletionStage())
                        .compose(secrets -> post(target, event, secrets)))
                .onComplete(done -> {
                    long millis = (System.nanoTime() - started) / 1_000_000;
                    if (done.succeeded()) {
                        Answer answer = done.result();
                        latency.record(Duration.ofMillis(millis));
                        finish(due, attempt, answer.status(), millis, answer.status() / 100 == 2 ? null : "answered " + answer.status(),
                                answer.body());
                    } else {
                        Throwable cause = done.cause();
                        finish(due, attempt, null, millis, cause instanceof UrlGuard.Refused ? cause.getMessage()
                                : cause.getClass().getSimpleName() + ": " + cause.getMessage(), null);
                    }
                });
    }

    private record Answer(int status, String body) {
    }

    private Future<Answer> post(URI uri, EventStore.Event event, java.util.List<String> secrets) {
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
                .setURI(path).setTimeout(config.timeout().toMillis()).setFollowRedirects(false)
                .putHeader("content-type", "application/json").putHeader("user-agent", "Switchboard-Webhooks/1")
                .putHeader("webhook-id", id).putHeader("webhook-timestamp", String.valueOf(timestamp))
                .putHeader("webhook-signature", WebhookSigner.signature(secrets, id, timestamp, event.body()));
        return http.request(options).compose(request -> request.send(Buffer.buffer(event.body())))
                .compose(response -> {
                    Buffer kept = Buffer.buffer();
                    io.vertx.core.Promise<Answer> answered = io.vertx.core.Promise.promise();
                    response.handler(chunk -> {
                        if (kept.length() < RESPONSE_KEPT) {
                            kept.appendBuffer(chunk.length() > RESPONSE_KEPT - kept.length()
                                    ? chunk.getBuffer(0, RESPONSE_KEPT - kept.length()) : chunk);
                        }
                    });
                    response.exceptionHandler(error -> answered.tryComplete(new Answer(response.statusCode(), kept.toString())));
                    response.endHandler(ignored -> answered.tryComplete(new Answer(response.statusCode(), kept.toString())));
                    return answered.future();
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
        store.attempted(due.id(), replica, attempt, status, millis, error, response, outcome, next).subscribe().with(
                ok -> {
                    inFlight.decrementAndGet();
                    // A backlog drains at the receivers' pace, not the tick's: a freed slot claims the next one.
                    vertx.runOnContext(ignored -> tick());
                }, failure -> {
                    inFlight.decrementAndGet();
                    LOG.debugf("recording webhook attempt %d of %s failed: %s", attempt, due.id(), failure.getMessage());
                });
    }
}
