package io.switchboard.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The operator console in a real Chromium (Debian's package, driven by Playwright from
 * {@code src/test/browser/console.mjs}): sign in, create, link through the sandbox phone, see it
 * connected, disconnect, read the timeline; a member token sees only its organization; 360 px wide;
 * labels and keyboard. Leaves a screenshot at {@code target/console.png} (the README's picture).
 */
@QuarkusTest
class ConsoleBrowserTest {

    private static final Path SCRIPT = Path.of("src", "test", "browser", "console.mjs");

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Test
    void anOperatorLinksAndDisconnectsFromTheBrowser() throws Exception {
        assertTrue(Files.isDirectory(Path.of("src", "test", "browser", "node_modules", "playwright-core")),
                "playwright-core is not installed: run bin/test (npm ci in src/test/browser)");
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        assertTrue(Files.isExecutable(Path.of(chromium)), chromium + " is missing: run bin/test (it installs Debian's chromium)"
                + " or set CHROMIUM to a Chromium executable");
        Process node = new ProcessBuilder("node", SCRIPT.toString(), "http://localhost:" + port,
                Path.of("target", "console.png").toString()).redirectErrorStream(true).start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(node.waitFor(150, TimeUnit.SECONDS), "the browser test did not end");
        System.out.print(output);
        assertEquals(0, node.exitValue(), output);
        assertTrue(output.contains("\"step\":\"passed\""), output);
    }
}
