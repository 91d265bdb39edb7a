package io.switchboard.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.crypto.CryptoException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AtRestCipherTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String OTHER_KEY = KEY.replace('A', 'B');

    @Test
    void roundTripsAndHidesSecrets() throws Exception {
        AtRestCipher cipher = new AtRestCipher(Optional.of(List.of(KEY)));
        UUID org = UUID.randomUUID();
        Credentials credentials = Credentials.fresh();
        AtRestCipher.Sealed sealed = cipher.seal(org, credentials);
        assertEquals(credentials.toJson(), cipher.open(org, sealed).toJson());
        String stored = new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1);
        assertFalse(stored.contains("private"), "ciphertext is not the JSON");
    }

    @Test
    void anotherOrganizationOrATamperedRowDoesNotDecrypt() {
        AtRestCipher cipher = new AtRestCipher(Optional.of(List.of(KEY)));
        AtRestCipher.Sealed sealed = cipher.seal(UUID.randomUUID(), Credentials.fresh());
        assertThrows(CryptoException.class, () -> cipher.open(UUID.randomUUID(), sealed));
        byte[] tampered = sealed.ciphertext();
        tampered[5] ^= 1;
        assertThrows(CryptoException.class, () -> cipher.open(UUID.randomUUID(),
                new AtRestCipher.Sealed(sealed.nonce(), tampered, sealed.keyId())));
        AtRestCipher other = new AtRestCipher(Optional.of(List.of(OTHER_KEY)));
        assertThrows(CryptoException.class, () -> other.open(UUID.randomUUID(), sealed));
    }

    @Test
    void refusesMissingOrMalformedKeys() {
        assertThrows(IllegalStateException.class, () -> new AtRestCipher(Optional.empty()));
        assertThrows(IllegalStateException.class, () -> new AtRestCipher(Optional.of(List.of("not base64!"))));
        assertThrows(IllegalStateException.class, () -> new AtRestCipher(Optional.of(List.of("AAAA"))));
    }

    @Test
    void aRotatedListSealsWithTheFirstAndOpensWithAny() throws Exception {
        UUID org = UUID.randomUUID();
        AtRestCipher old = new AtRestCipher(Optional.of(List.of(KEY)));
        AtRestCipher.Sealed before = old.seal(org, Credentials.fresh());
        AtRestCipher rotated = new AtRestCipher(Optional.of(List.of(OTHER_KEY, KEY)));
        assertEquals(before.keyId(), old.currentKeyId());
        assertTrue(rotated.isStale(before.keyId()), "a row under the old key is due for re-sealing");
        rotated.open(org, before);
        AtRestCipher.Sealed after = rotated.seal(org, Credentials.fresh());
        assertEquals(rotated.currentKeyId(), after.keyId());
        assertThrows(CryptoException.class, () -> old.open(org, after), "the old key alone cannot open a new row");
    }
}
