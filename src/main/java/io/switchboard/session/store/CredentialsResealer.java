package io.switchboard.session.store;

import io.switchboard.db.AtRestCipher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.crypto.CryptoException;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The key-rotation job: every minute, stored credentials sealed under an older key are sealed
 * again under the current one, a batch at a time (compare-and-set, so a concurrent write wins).
 * The gauge {@code switchboard_credentials_stale} counts what is left; at 0 the old key can be
 * dropped from {@code switchboard.credentials.key}. Rows no key opens are logged at ERROR and
 * counted, never deleted.
 */
@ApplicationScoped
public class CredentialsResealer {

    private static final Logger LOG = Logger.getLogger(CredentialsResealer.class);
    private static final long FIRST_RUN_MILLIS = 5_000;
    private static final long INTERVAL_MILLIS = 60_000;
    private static final int BATCH = 200;

    private final Pool pool;
    private final AtRestCipher cipher;
    private final SessionStore store;
    private final Vertx vertx;
    private final AtomicLong stale = new AtomicLong(-1);
    private final AtomicBoolean running = new AtomicBoolean();

    CredentialsResealer(Pool pool, AtRestCipher cipher, SessionStore store, Vertx vertx, MeterRegistry metrics) {
        this.pool = pool;
        this.cipher = cipher;
        this.store = store;
        this.vertx = vertx;
        Gauge.builder("switchboard.credentials.stale", stale, AtomicLong::get)
                .description("Stored credentials still sealed under an older key (-1: not counted yet)").register(metrics);
    }

    void onStart(@Observes StartupEvent event) {
        vertx.setTimer(FIRST_RUN_MILLIS, t -> run());
        vertx.setPeriodic(INTERVAL_MILLIS, t -> run());
    }

    /** One pass: re-seals a batch, then counts what is left. */
    public Uni<Long> resealBatch() {
        return store.bounded(pool.preparedQuery("SELECT organization_id, nonce, ciphertext, key_id FROM whatsapp_credentials"
                        + " WHERE key_id <> $1 LIMIT $2").execute(Tuple.of(cipher.currentKeyId(), BATCH)))
                .map(rows -> {
                    List<Row> list = new ArrayList<>();
                    rows.forEach(list::add);
                    return list;
                })
                .flatMap(rows -> Multi.createFrom().iterable(rows).onItem().transformToUniAndConcatenate(this::reseal)
                        .collect().asList())
                .flatMap(ignored -> store.bounded(pool.preparedQuery("SELECT count(*) FROM whatsapp_credentials WHERE key_id <> $1")
                        .execute(Tuple.of(cipher.currentKeyId())).map(rows -> rows.iterator().next().getLong(0))))
                .invoke(stale::set);
    }

    private Uni<Boolean> reseal(Row row) {
        UUID org = row.getUUID("organization_id");
        AtRestCipher.Sealed sealed = new AtRestCipher.Sealed(row.getBuffer("nonce").getBytes(),
                row.getBuffer("ciphertext").getBytes(), row.getString("key_id"));
        try {
            return store.resealRow(org, cipher.open(org, sealed), sealed);
        } catch (CryptoException e) {
            store.countUnreadable();
            LOG.errorf("stored credentials of %s cannot be opened by any configured key (%s); they are kept until the key"
                    + " that sealed them is configured again", org, e.getMessage());
            return Uni.createFrom().item(false);
        }
    }

    private void run() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        resealBatch().eventually(() -> running.set(false)).subscribe().with(left -> {
            if (left > 0) {
                LOG.infof("%d stored credentials still sealed under an older key; re-sealing continues", left);
            }
        }, error -> LOG.warnf("re-sealing stored credentials failed: %s", error.getMessage()));
    }
}
