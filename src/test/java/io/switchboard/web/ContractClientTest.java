package io.switchboard.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A team integrating from the contract alone: the served OpenAPI document is linted (Redocly, no
 * errors), a TypeScript client is generated from it (openapi-typescript), the README's flow written
 * against that client type-checks under strict TypeScript, then runs against this service (create
 * an organization, link through the sandbox phone, send a text, read it back, list the received one).
 * The tools are pinned by {@code src/test/contract/package-lock.json}; {@code bin/test} installs them.
 */
@QuarkusTest
class ContractClientTest {

    private static final Path DIR = Path.of("src", "test", "contract");

    @TestHTTPResource("/")
    URL root;

    @Test
    void aClientGeneratedFromTheDocumentDrivesTheReadmeFlow() throws Exception {
        assertTrue(Files.isDirectory(DIR.resolve("node_modules").resolve("openapi-typescript")),
                "run bin/test: it installs the contract tools (npm ci in " + DIR + ")");
        Path generated = Files.createDirectories(DIR.resolve("generated"));
        Files.writeString(generated.resolve("openapi.json"), given().get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString());
        String lint = run(List.of("node_modules/.bin/redocly", "lint", "generated/openapi.json", "--format=summary"), Map.of());
        System.out.println("contract lint: " + lint.lines().filter(line -> line.startsWith("warning") || line.startsWith("error")
                || line.contains("valid")).toList());
        run(List.of("node_modules/.bin/openapi-typescript", "generated/openapi.json", "-o", "generated/api.d.ts"), Map.of());
        run(List.of("node_modules/.bin/tsc", "-p", "."), Map.of());
        String flow = run(List.of("node", "build/flow.js"), Map.of("BASE_URL", root.toString().replaceAll("/$", ""),
                "TOKEN", Tokens.admin()));
        System.out.print(flow.lines().filter(line -> line.startsWith("client flow:")).map(line -> line + "\n")
                .reduce("", String::concat));
        assertTrue(flow.contains("client flow: passed"), flow);
    }

    /** Runs a tool in the contract directory; fails the test with its output unless it exits 0. */
    private static String run(List<String> command, Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }
}
