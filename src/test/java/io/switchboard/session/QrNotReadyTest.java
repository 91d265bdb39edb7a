package io.switchboard.session;

import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Tokens;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** When no QR is ready within the wait, init answers 202 with retryIn and Retry-After; qrcode then gives it. */
@QuarkusTest
@TestProfile(QrNotReadyTest.NoWait.class)
class QrNotReadyTest {

    public static class NoWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.whatsapp.qr-wait", "0s", "switchboard.sandbox.first-frame-delay", "300ms");
        }
    }

    @Test
    void acceptedThenQr() throws Exception {
        UUID org = createOrganization("Patient");
        as(Tokens.admin()).post(base(org) + "/init-baileys").then().statusCode(202)
                .header("Retry-After", "3").body("retryIn", equalTo(3000)).body("success", equalTo(true));
        as(Tokens.admin()).get(base(org) + "/qrcode").then().statusCode(202).body("retryIn", equalTo(3000));
        SessionFlows.qrFrom(org, "reconnect");
    }
}
