package io.switchboard.session;

import static org.awaitility.Awaitility.await;
import static io.switchboard.session.SessionFlows.awaitState;
import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.phone;
import static io.switchboard.session.SessionFlows.qrFrom;
import static io.switchboard.session.SessionFlows.scan;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.support.Tokens;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A whole lifecycle — link, QR, scan, restart, drop, relink, disconnect — with every log line
 * captured: none holds the QR text or its secrets, nor the credentials key.
 */
@QuarkusTest
class SecretsNotLoggedTest {

    @ConfigProperty(name = "switchboard.credentials.key")
    String credentialsKey;

    @Test
    void noSecretReachesTheLog() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters())
                        + " " + (record.getThrown() == null ? "" : record.getThrown().toString()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        List<String> secrets;
        try {
            UUID org = createOrganization("Quiet");
            String qr = qrFrom(org, "init-baileys").getString("qr");
            String jid = scan(qr, phone()).getString("deviceJid");
            awaitState(org, "CONNECTED", 10_000);
            as(Tokens.admin()).body("{\"code\": 515}").post("/sandbox/v1/devices/" + jid + "/disconnect").then().statusCode(204);
            await("the device is back online after the restart (and dropped)").atMost(Duration.ofSeconds(10))
                    .until(() -> as(Tokens.admin()).post("/sandbox/v1/devices/" + jid + "/drop").statusCode() == 204);
            awaitState(org, "CONNECTED", 10_000);
            as(Tokens.admin()).delete(base(org) + "/disconnect").then().statusCode(200);
            String second = qrFrom(org, "init-baileys").getString("qr");
            as(Tokens.admin()).delete(base(org) + "/disconnect").then().statusCode(200);
            String[] parts = qr.substring(qr.indexOf('#') + 1).split(",");
            secrets = List.of(qr, second, parts[1], parts[2], parts[3], credentialsKey);
        } finally {
            root.removeHandler(capture);
        }
        assertTrue(lines.stream().anyMatch(line -> line.contains("CONNECTION_LOST")), "the capture saw the lifecycle's log lines");
        for (String line : lines) {
            for (String secret : secrets) {
                assertFalse(line.contains(secret), "a secret in the log: " + line);
            }
        }
    }
}
