package io.switchboard.session.store;

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

class CredentialsCipherTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String OTHER_KEY = KEY.replace('A', 'B');

    @Test
    void roundTripsAndHidesSecrets() throws Exception {
        CredentialsCipher cipher = new CredentialsCipher(Optional.of(List.of(KEY)));
        UUID org = UUID.randomUUID();
        Credentials credentials = Credentials.fresh();
        CredentialsCipher.Sealed sealed = cipher.seal(org, credentials);
        assertEquals(credentials.toJson(), cipher.open(org, sealed).toJson());
        String stored = new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1);
        assertFalse(stored.contains("private"), "ciphertext is not the JSON");
    }

    @Test
    void anotherOrganizationOrATamperedRowDoesNotDecrypt() {
        CredentialsCipher cipher = new CredentialsCipher(Optional.of(List.of(KEY)));
        CredentialsCipher.Sealed sealed = cipher.seal(UUID.randomUUID(), Credentials.fresh());
        assertThrows(CryptoException.class, () -> cipher.open(UUID.randomUUID(), sealed));
        byte[] tampered = sealed.ciphertext();
        tampered[5] ^= 1;
        assertThrows(CryptoException.class, () -> cipher.open(UUID.randomUUID(),
                new CredentialsCipher.Sealed(sealed.nonce(), tampered, sealed.keyId())));
        CredentialsCipher other = new CredentialsCipher(Optional.of(List.of(OTHER_KEY)));
        assertThrows(CryptoException.class, () -> other.open(UUID.randomUUID(), sealed));
    }

    @Test
    void refusesMissingOrMalformedKeys() {
        assertThrows(IllegalStateException.class, () -> new CredentialsCipher(Optional.empty()));
        assertThrows(IllegalStateException.class, () -> new CredentialsCipher(Optional.of(List.of("not base64!"))));
        assertThrows(IllegalStateException.class, () -> new CredentialsCipher(Optional.of(List.of("AAAA"))));
    }

    @Test
    void aRotatedListSealsWithTheFirstAndOpensWithAny() throws Exception {
        UUID org = UUID.randomUUID();
        CredentialsCipher old = new CredentialsCipher(Optional.of(List.of(KEY)));
        CredentialsCipher.Sealed before = old.seal(org, Credentials.fresh());
        CredentialsCipher rotated = new CredentialsCipher(Optional.of(List.of(OTHER_KEY, KEY)));
        assertEquals(before.keyId(), old.currentKeyId());
        assertTrue(rotated.isStale(before.keyId()), "a row under the old key is due for re-sealing");
        rotated.open(org, before);
        CredentialsCipher.Sealed after = rotated.seal(org, Credentials.fresh());
        assertEquals(rotated.currentKeyId(), after.keyId());
        assertThrows(CryptoException.class, () -> old.open(org, after), "the old key alone cannot open a new row");
    }
}
