package io.switchboard.session.store;

import io.switchboard.db.CredentialsUnreadable;
import io.switchboard.db.AtRestCipher;
import io.switchboard.db.Resealer;
import io.switchboard.db.SealedColumns;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.protocol.client.Credentials;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Rotating {@code switchboard.credentials.key}: the new key first, the old one after it. Rows
 * sealed under the old key still open, are sealed again when read and by the job; a row no key
 * opens is reported and kept, never silently dropped.
 */
@QuarkusTest
@TestProfile(CredentialsRotationTest.Rotated.class)
class CredentialsRotationTest {

    static final String OLD_KEY = "c3dpdGNoYm9hcmQtZGV2LW9ubHkta2V5LTMyYnl0ZXM=";
    static final String NEW_KEY = Base64.getEncoder().encodeToString("a-new-key-of-32-bytes-for-tests!".getBytes());
    private static final Duration WAIT = Duration.ofSeconds(5);

    public static class Rotated implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.credentials.key", NEW_KEY + "," + OLD_KEY);
        }
    }

    @Inject
    SessionStore store;

    @Inject
    AtRestCipher cipher;

    @Inject
    Resealer resealer;

    @Inject
    Pool pool;

    @Test
    void oldRowsOpenAndAreSealedAgain() {
        AtRestCipher old = new AtRestCipher(Optional.of(List.of(OLD_KEY)));
        UUID readLater = createOrganization("Read after rotation");
        UUID resealedByJob = createOrganization("Re-sealed by the job");
        Credentials credentials = Credentials.fresh();
        insert(readLater, old.seal(readLater, credentials));
        insert(resealedByJob, old.seal(resealedByJob, Credentials.fresh()));

        assertEquals(credentials.toJson(), store.credentials(readLater).await().atMost(WAIT).orElseThrow().toJson());
        assertEquals(cipher.currentKeyId(), keyIdOf(readLater), "sealed again under the new key when read");
        resealer.resealAll().await().atMost(WAIT);
        assertEquals(cipher.currentKeyId(), keyIdOf(resealedByJob), "sealed again by the job");
        assertThrows(Exception.class, () -> old.open(readLater, sealedOf(readLater)), "the old key alone no longer opens it");
    }

    @Test
    void aRowNoKeyOpensIsReportedAndKept() {
        UUID org = createOrganization("Unreadable");
        AtRestCipher unknown = new AtRestCipher(Optional.of(List.of(Base64.getEncoder().encodeToString(new byte[32]))));
        insert(org, unknown.seal(org, Credentials.fresh()));
        assertThrows(CredentialsUnreadable.class, () -> store.credentials(org).await().atMost(WAIT));
        long left = resealer.resealAll().await().atMost(WAIT);
        assertTrue(left >= 1, "the unreadable row is still counted as stale");
        assertTrue(resealer.staleCounts().get("whatsapp_credentials") >= 1, "in its table's gauge");
        assertTrue(store.hasCredentialsRow(org).await().atMost(WAIT), "and kept");
        Map<String, Long> refused = resealer.unknownKeys().await().atMost(WAIT);
        assertEquals(1, refused.size(), "a start-up now would be refused, naming the table: " + refused);
        assertTrue(refused.keySet().iterator().next().startsWith("whatsapp_credentials (key "), refused.toString());
        pool.preparedQuery("DELETE FROM whatsapp_credentials WHERE organization_id = $1").execute(Tuple.of(org)).await().atMost(WAIT);
        pool.query("DELETE FROM whatsapp_device_removal").execute().await().atMost(WAIT);
    }

    /** Every sealed column of the schema (a key-id column beside its nonce) is declared, so rotation covers it. */
    @Test
    void everySealedColumnIsDeclaredForRotation() {
        var rows = pool.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
                + " AND column_name LIKE '%key_id' AND column_name NOT LIKE '%idempotency%'").execute().await().atMost(WAIT);
        java.util.Set<String> inSchema = new java.util.TreeSet<>();
        rows.forEach(row -> inSchema.add(row.getString(0) + "." + row.getString(1)));
        java.util.Set<String> declared = new java.util.TreeSet<>();
        for (SealedColumns table : resealer.tables()) {
            declared.add(table.table() + "." + table.keyId());
        }
        assertEquals(inSchema, declared);
        assertEquals(10, inSchema.size(), inSchema.toString());
    }

    private void insert(UUID org, AtRestCipher.Sealed sealed) {
        pool.preparedQuery("INSERT INTO whatsapp_credentials (organization_id, nonce, ciphertext, key_id, updated_at)"
                + " VALUES ($1, $2, $3, $4, $5)").execute(Tuple.of(org, Buffer.buffer(sealed.nonce()),
                Buffer.buffer(sealed.ciphertext()), sealed.keyId(), OffsetDateTime.now())).await().atMost(WAIT);
    }

    private String keyIdOf(UUID org) {
        return sealedOf(org).keyId();
    }

    private AtRestCipher.Sealed sealedOf(UUID org) {
        var row = pool.preparedQuery("SELECT nonce, ciphertext, key_id FROM whatsapp_credentials WHERE organization_id = $1")
                .execute(Tuple.of(org)).await().atMost(WAIT).iterator().next();
        return new AtRestCipher.Sealed(row.getBuffer("nonce").getBytes(), row.getBuffer("ciphertext").getBytes(),
                row.getString("key_id"));
    }
}
