package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.protocol.crypto.XEdDsa;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class CredentialsTest {

    @Test
    void serializedFormIsStable() {
        Credentials fresh = Credentials.fresh();
        JsonObject json = fresh.toJson();
        assertEquals(json, Credentials.fromJson(json).toJson());
        Credentials paired = fresh.withAccount(new Credentials.Account("15551234567:2@s.whatsapp.net", "1:2@lid",
                new byte[32], new byte[10], "android"));
        assertEquals(paired.toJson(), Credentials.fromJson(paired.toJson()).toJson());
        assertEquals("15551234567", paired.account().orElseThrow().phone());
        Credentials withKeys = paired.withNewPreKeys(3).withNewPreKeys(2);
        assertEquals(5, withKeys.preKeys().size());
        assertEquals(6, withKeys.nextPreKeyId());
        assertEquals(java.util.List.of(1, 2, 3, 4, 5),
                withKeys.preKeys().stream().map(Credentials.PreKey::id).collect(java.util.stream.Collectors.toList()));
        assertEquals(withKeys.toJson(), Credentials.fromJson(withKeys.toJson()).toJson());
    }

    @Test
    void signedPreKeyIsSignedByTheIdentity() {
        Credentials fresh = Credentials.fresh();
        byte[] message = new byte[33];
        message[0] = 5;
        System.arraycopy(fresh.signedPreKey().keyPair().publicKey(), 0, message, 1, 32);
        assertEquals(true, XEdDsa.verify(fresh.identityKey().publicKey(), message, fresh.signedPreKey().signature()));
    }

    @Test
    void neverPrintsSecrets() {
        Credentials fresh = Credentials.fresh();
        String text = fresh.toString() + fresh.noiseKey();
        assertFalse(text.contains(java.util.Base64.getEncoder().encodeToString(fresh.noiseKey().privateKey())));
        assertFalse(text.contains(java.util.Base64.getEncoder().encodeToString(fresh.advSecret())));
    }

    @Test
    void refusesUnknownFormats() {
        assertThrows(IllegalArgumentException.class, () -> Credentials.fromJson(new JsonObject().put("format", 99)));
    }
}
