package io.switchboard.db;

import java.util.List;

/**
 * Where a table keeps a sealed secret, for the re-sealing job and the start-up key check: the
 * columns that identify a row, the three columns of the sealed value, and the SQL expression of
 * the purpose bound into its associated data (null: the organization alone, as credentials are).
 * Every table with a sealed column declares one (a CDI producer next to its store), so a new
 * sealed column cannot be forgotten by rotation: {@code SealedColumnsCatalogTest} compares the
 * declarations with the schema.
 */
public record SealedColumns(String table, String label, List<String> rowKey, String nonce, String ciphertext,
        String keyId, String purposeSql) {

    public SealedColumns {
        rowKey = List.copyOf(rowKey);
        for (String name : rowKey) {
            if (!name.matches("[a-z_]+")) {
                throw new IllegalArgumentException("not a column name: " + name);
            }
        }
    }

    /** The usual layout: {@code nonce}, {@code ciphertext}, {@code key_id}. */
    public static SealedColumns of(String table, List<String> rowKey, String purposeSql) {
        return new SealedColumns(table, table, rowKey, "nonce", "ciphertext", "key_id", purposeSql);
    }

    /** A purpose that is the same for every row, as an SQL literal. */
    public static String literal(String purpose) {
        if (!purpose.matches("[a-z:-]+")) {
            throw new IllegalArgumentException("not a plain purpose: " + purpose);
        }
        return "'" + purpose + "'";
    }
}
