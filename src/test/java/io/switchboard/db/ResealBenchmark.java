package io.switchboard.db;

import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How long key rotation takes to re-seal 100,000 sent texts with the shipped pacing (batches of
 * 500 per table, 50 ms apart), on this machine's PostgreSQL: the job run as a replica runs it,
 * four times (to the new key and back, twice), each figure printed. Run with {@code bin/bench}.
 */
@QuarkusTest
@Tag("benchmark")
class ResealBenchmark {

    private static final int TEXTS = 100_000;
    private static final String OTHER_KEY = Base64.getEncoder().encodeToString("another-key-of-32-bytes-for-bench".substring(0, 32)
            .getBytes());

    @Inject
    Pool pool;

    @Inject
    Database database;

    @Inject
    Resealer resealer;

    @Inject
    AtRestCipher cipher;

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "switchboard.credentials.key")
    String currentKey;

    @Test
    void resealsOneHundredThousandTexts() {
        UUID org = createOrganization("Re-seal benchmark");
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        for (int chunk = 0; chunk < TEXTS; chunk += 1_000) {
            List<Tuple> rows = new ArrayList<>();
            for (int i = chunk; i < chunk + 1_000; i++) {
                AtRestCipher.Sealed sealed = cipher.sealText(org, "outbound-text", "text number " + i + " of the benchmark");
                rows.add(Tuple.from(List.of(UUID.randomUUID(), org, "h" + i, "15550000000", "3EB0" + i, Buffer.buffer(sealed.nonce()),
                        Buffer.buffer(sealed.ciphertext()), sealed.keyId(), now)));
            }
            pool.preparedQuery("INSERT INTO whatsapp_outbound_message (id, organization_id, request_hash, to_phone, whatsapp_id,"
                    + " nonce, ciphertext, key_id, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'delivered',"
                    + " $9, $9)").executeBatch(rows).await().atMost(Duration.ofSeconds(30));
        }
        List<Long> millis = new ArrayList<>();
        String[][] rotations = {{OTHER_KEY, currentKey}, {currentKey, OTHER_KEY}, {OTHER_KEY, currentKey}, {currentKey, OTHER_KEY}};
        for (String[] keys : rotations) {
            AtRestCipher rotating = new AtRestCipher(Optional.of(List.of(keys)));
            Resealer job = new Resealer(resealer.tables(), pool, database, rotating, vertx, new SimpleMeterRegistry(), 500,
                    Duration.ofMillis(50), Duration.ofSeconds(60));
            long started = System.nanoTime();
            long left = job.resealAll().await().atMost(Duration.ofMinutes(10));
            millis.add((System.nanoTime() - started) / 1_000_000);
            assertEquals(0, left, "nothing left under the older key");
        }
        pool.preparedQuery("DELETE FROM organization WHERE id = $1").execute(Tuple.of(org)).await().atMost(Duration.ofSeconds(60));
        long min = millis.stream().mapToLong(Long::longValue).min().orElseThrow();
        long max = millis.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.printf("reseal: %,d sent texts re-sealed under a new key in %s ms (min %,d, max %,d; %,.0f–%,.0f rows/s;"
                + " batches of 500, 50 ms apart)%n", TEXTS, millis, min, max, TEXTS * 1000.0 / max, TEXTS * 1000.0 / min);
    }
}
