package io.switchboard.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.crypto.KeyPair;
import io.switchboard.protocol.crypto.XEdDsa;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Our XEdDSA against the libsignal each Baileys release ships (an independent implementation). */
class XEdDsaInteropTest {

    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder UNB64 = Base64.getDecoder();

    @ParameterizedTest
    @EnumSource(Release.class)
    void signaturesVerifyBothWays(Release release) {
        Random random = new Random(99 + release.ordinal());
        try (BaileysJudge judge = BaileysJudge.start(release)) {
            for (int i = 0; i < 40; i++) {
                byte[] message = new byte[1 + random.nextInt(200)];
                random.nextBytes(message);

                KeyPair ours = Curve25519.generateKeyPair();
                byte[] ourSignature = XEdDsa.sign(ours.privateKey(), message);
                assertTrue(theyVerify(judge, ours.publicKey(), message, ourSignature), "Baileys rejects our signature");
                byte[] otherMessage = message.clone();
                otherMessage[0] ^= 1;
                assertFalse(theyVerify(judge, ours.publicKey(), otherMessage, ourSignature));

                JsonNode theirPair = judge.ask(BaileysJudge.request("keyPair"));
                byte[] theirPublic = UNB64.decode(theirPair.get("publicKey").asText());
                byte[] theirPrivate = UNB64.decode(theirPair.get("privateKey").asText());
                assertArrayEquals(theirPublic, Curve25519.keyPairOf(theirPrivate).publicKey(), "public key derivation");
                byte[] theirSignature = UNB64.decode(judge.ask(BaileysJudge.request("sign")
                        .put("privateKey", B64.encodeToString(theirPrivate))
                        .put("message", B64.encodeToString(message))).get("signature").asText());
                assertTrue(XEdDsa.verify(theirPublic, message, theirSignature), "we reject Baileys' signature");
                assertFalse(XEdDsa.verify(theirPublic, otherMessage, theirSignature));
                assertFalse(XEdDsa.verify(ours.publicKey(), message, theirSignature));
            }
        }
    }

    private static boolean theyVerify(BaileysJudge judge, byte[] publicKey, byte[] message, byte[] signature) {
        return judge.ask(BaileysJudge.request("verify")
                .put("publicKey", B64.encodeToString(publicKey))
                .put("message", B64.encodeToString(message))
                .put("signature", B64.encodeToString(signature))).get("valid").asBoolean();
    }
}
