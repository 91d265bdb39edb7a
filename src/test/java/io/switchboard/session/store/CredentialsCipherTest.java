package io.switchboard.session.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.protocol.client.Credentials;
import io.switchboard.protocol.crypto.CryptoException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CredentialsCipherTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void roundTripsAndHidesSecrets() throws Exception {
        CredentialsCipher cipher = new CredentialsCipher(Optional.of(KEY));
        UUID org = UUID.randomUUID();
        Credentials credentials = Credentials.fresh();
        CredentialsCipher.Sealed sealed = cipher.seal(org, credentials);
        assertEquals(credentials.toJson(), cipher.open(org, sealed).toJson());
        String stored = new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1);
        assertFalse(stored.contains("private"), "ciphertext is not the JSON");
    }

    @Test
    void anotherOrganizationOrATamperedRowDoesNotDecrypt() {
        CredentialsCipher cipher = new CredentialsCipher(Optional.of(KEY));
        CredentialsCipher.Sealed sealed = cipher.seal(UUID.randomUUID(), Credentials.fresh());
        assertThrows(CryptoException.class, () -> cipher.open(UUID.randomUUID(), sealed));
        byte[] tampered = sealed.ciphertext();
        tampered[5] ^= 1;
        assertThrows(CryptoException.class, () -> cipher.open(UUID.randomUUID(),
                new CredentialsCipher.Sealed(sealed.nonce(), tampered, sealed.keyId())));
        CredentialsCipher other = new CredentialsCipher(Optional.of(Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'B')));
        assertThrows(CryptoException.class, () -> other.open(UUID.randomUUID(), sealed));
    }

    @Test
    void refusesMissingOrMalformedKeys() {
        assertThrows(IllegalStateException.class, () -> new CredentialsCipher(Optional.empty()));
        assertThrows(IllegalStateException.class, () -> new CredentialsCipher(Optional.of("not base64!")));
        assertThrows(IllegalStateException.class, () -> new CredentialsCipher(Optional.of("AAAA")));
    }
}
