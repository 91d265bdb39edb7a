package io.switchboard.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.interop.BaileysJudge.Release;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real Baileys client pairs, logs in, keeps alive, is logged out and logs out against our
 * sandbox: if Baileys accepts the sandbox, the sandbox speaks WhatsApp's protocol.
 */
@QuarkusTest
class BaileysAgainstSandboxTest {

    @TestHTTPResource("/")
    URL base;

    @ParameterizedTest
    @EnumSource(Release.class)
    void baileysRunsTheWholeScenario(Release release) throws Exception {
        List<String> steps = run(release);
        assertTrue(steps.stream().anyMatch(s -> s.contains("\"step\":\"passed\"")));
        assertEquals(3, steps.stream().filter(s -> s.contains("\"step\":\"qr\"")).count(),
                "one QR per pairing (linking by code shows one too), none on re-login");
    }

    /**
     * Two accounts, each a real Baileys paired to the sandbox, message each other: the sandbox as
     * WhatsApp's server for messages (usync device lists, pre-key bundles from uploads, relay to
     * every device, server acks, receipts back) — judged by Baileys decrypting what it relayed.
     */
    @ParameterizedTest
    @EnumSource(Release.class)
    void twoBaileysAccountsMessageEachOtherThroughTheSandbox(Release release) throws Exception {
        List<String> steps = run(release, "chat", "1555" + (1_000_000 + (long) (Math.random() * 8_999_999)),
                "1556" + (1_000_000 + (long) (Math.random() * 8_999_999)));
        assertTrue(steps.stream().anyMatch(s -> s.contains("\"step\":\"ten-each-way\"")), String.join("\n", steps));
    }

    private List<String> run(Release release, String... mode) throws Exception {
        return BaileysJudge.runScenario(release, base.toString().replaceAll("/$", ""), List.of(mode));
    }
}
