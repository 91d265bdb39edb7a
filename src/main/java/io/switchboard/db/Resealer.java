package io.switchboard.db;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.All;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.crypto.CryptoException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Key rotation for every sealed column ({@link SealedColumns}): rows sealed under an older
 * configured key are sealed again under the current one, a batch at a time per table, in the
 * background on every replica. Each batch locks its rows ({@code FOR UPDATE SKIP LOCKED}, so
 * replicas share the work and a writer waits for at most one batch) and replaces a sealed value
 * only if it is still the one read, with the same plaintext and associated data: the job never
 * changes what a row says, so it needs no fencing of its own — a fenced write that lands first
 * simply wins. The gauge {@code switchboard_sealed_stale{table}} counts what is still under another
 * key; when every table reads 0 the older key can be removed.
 *
 * <p>At start-up, before anything reads a row, a replica refuses to start when some stored row
 * is sealed under a key it was not given, naming the table and the count: a key removed too early
 * is a configuration error, not a stream of 500s later.
 */
@ApplicationScoped
public class Resealer {

    private static final Logger LOG = Logger.getLogger(Resealer.class);

    private final List<SealedColumns> tables;
    private final Pool pool;
    private final Database database;
    private final AtRestCipher cipher;
    private final Vertx vertx;
    private final MeterRegistry metrics;
    private final int batch;
    private final Duration pause;
    private final Duration interval;
    private final Map<String, AtomicLong> stale = new ConcurrentHashMap<>();
    private final Map<String, Counter> unreadable = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean();

    Resealer(@All List<SealedColumns> tables, Pool pool, Database database, AtRestCipher cipher, Vertx vertx,
            MeterRegistry metrics,
            @ConfigProperty(name = "switchboard.credentials.reseal-batch", defaultValue = "500") int batch,
            @ConfigProperty(name = "switchboard.credentials.reseal-pause", defaultValue = "50ms") Duration pause,
            @ConfigProperty(name = "switchboard.credentials.reseal-interval", defaultValue = "60s") Duration interval) {
        this.tables = List.copyOf(tables);
        this.pool = pool;
        this.database = database;
        this.cipher = cipher;
        this.vertx = vertx;
        this.metrics = metrics;
        this.batch = batch;
        this.pause = pause;
        this.interval = interval;
        if (batch < 1) {
            throw new IllegalArgumentException("switchboard.credentials.reseal-batch must be at least 1, was " + batch);
        }
        for (SealedColumns table : this.tables) {
            AtomicLong count = new AtomicLong(-1);
            stale.put(table.label(), count);
            Gauge.builder("switchboard.sealed.stale", count, AtomicLong::get).tag("table", table.label())
                    .description("Rows whose sealed value is under a key other than the current one (-1: not counted yet)")
                    .register(metrics);
        }
    }

    /** The sealed tables this replica knows, by label. */
    public List<SealedColumns> tables() {
        return tables;
    }

    void onStart(@Observes @Priority(1) StartupEvent event) {
        Map<String, Long> unknown = unknownKeys().await().atMost(database.timeout().multipliedBy(tables.size() + 1L));
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("Refusing to start: stored rows are sealed under keys missing from "
                    + AtRestCipher.KEY + " (put the removed key back after the current one until switchboard_sealed_stale"
                    + " reads 0 everywhere): " + unknown.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + " rows")
                    .collect(Collectors.joining(", ")));
        }
        vertx.setTimer(1_000, t -> run());
        vertx.setPeriodic(interval.toMillis(), t -> run());
    }

    /** Per table label and key id not configured here, how many rows are sealed under it. */
    public Uni<Map<String, Long>> unknownKeys() {
        Map<String, Long> unknown = new LinkedHashMap<>();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (SealedColumns table : tables) {
            chain = chain.chain(() -> keyIds(table)).chain(ids -> {
                Uni<Void> counts = Uni.createFrom().voidItem();
                for (String id : ids) {
                    if (!cipher.knows(id)) {
                        counts = counts.chain(() -> database.bounded(pool.preparedQuery("SELECT count(*) FROM " + table.table()
                                + " WHERE " + table.keyId() + " = $1").execute(Tuple.of(id)))
                                .invoke(rows -> unknown.put(table.label() + " (key " + id + ")", rows.iterator().next().getLong(0)))
                                .replaceWithVoid());
                    }
                }
                return counts;
            });
        }
        return chain.map(ignored -> unknown);
    }

    /** The distinct key ids of a table, read through its key-id index one value at a time (no full scan). */
    private Uni<List<String>> keyIds(SealedColumns table) {
        String t = table.table();
        String k = table.keyId();
        return database.bounded(pool.query("WITH RECURSIVE ids AS (SELECT min(" + k + ") AS id FROM " + t
                + " UNION ALL SELECT (SELECT min(" + k + ") FROM " + t + " WHERE " + k + " > ids.id) FROM ids WHERE ids.id IS NOT NULL)"
                + " SELECT id FROM ids WHERE id IS NOT NULL").execute()).map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getString(0)));
                    return ids;
                });
    }

    /** Re-seals until nothing openable is left under an older key (or no batch makes progress); answers what is left. */
    public Uni<Long> resealAll() {
        return pass().chain(moved -> moved > 0
                ? Uni.createFrom().voidItem().onItem().delayIt().by(pause).chain(this::resealAll)
                : countAll());
    }

    /** One batch from every table; answers how many rows were sealed again. */
    public Uni<Long> pass() {
        List<String> older = cipher.olderKeyIds();
        if (older.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        AtomicLong moved = new AtomicLong();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (SealedColumns table : tables) {
            chain = chain.chain(() -> resealBatch(table, older)).invoke(moved::addAndGet).replaceWithVoid();
        }
        return chain.map(ignored -> moved.get());
    }

    private Uni<Integer> resealBatch(SealedColumns table, List<String> older) {
        String keys = String.join(", ", table.rowKey());
        String select = "SELECT " + keys + ", organization_id AS sb_org, " + table.nonce() + " AS sb_nonce, " + table.ciphertext()
                + " AS sb_ciphertext, " + table.keyId() + " AS sb_key, " + (table.purposeSql() == null ? "NULL" : table.purposeSql())
                + " AS sb_purpose FROM " + table.table() + " WHERE " + table.keyId() + " = ANY($1) LIMIT $2 FOR UPDATE SKIP LOCKED";
        StringBuilder update = new StringBuilder("UPDATE " + table.table() + " SET " + table.nonce() + " = $1, "
                + table.ciphertext() + " = $2, " + table.keyId() + " = $3 WHERE " + table.keyId() + " = $4 AND " + table.nonce() + " = $5");
        for (int i = 0; i < table.rowKey().size(); i++) {
            update.append(" AND ").append(table.rowKey().get(i)).append(" = $").append(6 + i);
        }
        return database.bounded(pool.withTransaction(connection -> connection.preparedQuery(select)
                .execute(Tuple.of(older.toArray(String[]::new), batch))
                .chain(rows -> write(connection, table, update.toString(), rows))));
    }

    private Uni<Integer> write(SqlConnection connection, SealedColumns table, String update,
            io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<Tuple> changes = new ArrayList<>();
        for (Row row : rows) {
            UUID org = row.getUUID("sb_org");
            AtRestCipher.Sealed old = new AtRestCipher.Sealed(row.getBuffer("sb_nonce").getBytes(),
                    row.getBuffer("sb_ciphertext").getBytes(), row.getString("sb_key"));
            AtRestCipher.Sealed fresh;
            try {
                fresh = cipher.reseal(org, row.getString("sb_purpose"), old);
            } catch (CryptoException e) {
                unreadable(table).increment();
                LOG.errorf("a row of %s (organization %s) does not open under key %s, which is configured: kept as it is (%s)",
                        table.label(), org, old.keyId(), e.getMessage());
                continue;
            }
            Tuple change = Tuple.of(Buffer.buffer(fresh.nonce()), Buffer.buffer(fresh.ciphertext()), fresh.keyId(), old.keyId(),
                    Buffer.buffer(old.nonce()));
            for (String column : table.rowKey()) {
                change.addValue(row.getValue(column));
            }
            changes.add(change);
        }
        if (changes.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return connection.preparedQuery(update).executeBatch(changes).map(result -> {
            int total = 0;
            for (var r = result; r != null; r = r.next()) {
                total += r.rowCount();
            }
            return total;
        });
    }

    /** Counts, per table, the rows under a key other than the current one, and sets the gauges; answers the total. */
    public Uni<Long> countAll() {
        AtomicLong total = new AtomicLong();
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (SealedColumns table : tables) {
            // Two range conditions rather than <>: both are read from the key-id index, so an all-current table costs nothing.
            chain = chain.chain(() -> database.bounded(pool.preparedQuery("SELECT count(*) FROM " + table.table() + " WHERE "
                    + table.keyId() + " < $1 OR " + table.keyId() + " > $1").execute(Tuple.of(cipher.currentKeyId())))
                    .invoke(rows -> {
                        long left = rows.iterator().next().getLong(0);
                        stale.get(table.label()).set(left);
                        total.addAndGet(left);
                    }).replaceWithVoid());
        }
        return chain.map(ignored -> total.get());
    }

    /** What the gauges read now, per table label. */
    public Map<String, Long> staleCounts() {
        Map<String, Long> out = new LinkedHashMap<>();
        stale.forEach((label, count) -> out.put(label, count.get()));
        return out;
    }

    private Counter unreadable(SealedColumns table) {
        return unreadable.computeIfAbsent(table.label(), label -> Counter.builder("switchboard.sealed.unreadable")
                .tag("table", label).description("Rows the re-sealing job found that their configured key does not open")
                .register(metrics));
    }

    private void run() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        long started = System.nanoTime();
        resealAll().eventually(() -> running.set(false)).subscribe().with(left -> {
            if (left > 0) {
                LOG.infof("%d sealed rows still under another key after %d ms (see switchboard_sealed_stale)", left,
                        (System.nanoTime() - started) / 1_000_000);
            }
        }, error -> LOG.warnf("re-sealing under the current key failed (retried in %s): %s", interval, error.getMessage()));
    }
}
