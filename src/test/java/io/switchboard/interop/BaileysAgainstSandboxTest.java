package io.switchboard.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.interop.BaileysJudge.Release;
import io.switchboard.support.Tokens;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        Path work = Files.createTempDirectory("baileys-e2e");
        String root = base.toString().replaceAll("/$", "");
        List<String> command = new ArrayList<>(List.of("node", BaileysJudge.HARNESS.resolve("e2e.mjs").toString(),
                release.name().substring(1), root.replace("http://", "ws://") + "/sandbox/ws/chat", root, Tokens.admin(),
                work.toString()));
        command.addAll(List.of(mode));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> steps = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                System.out.println("[baileys" + release.name().substring(1) + (mode.length > 0 ? " " + mode[0] : "") + "] " + line);
                steps.add(line);
            }
        }
        assertTrue(process.waitFor(3, TimeUnit.MINUTES), "scenario did not end");
        assertEquals(0, process.exitValue(), () -> "Baileys scenario failed: " + String.join("\n", steps));
        return steps;
    }
}
