package io.switchboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VerificationKeyGuardTest {

    private static final String OTHER_KEY = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest\n"
            + "-----END PUBLIC KEY-----\n";
    private static final String PROD_CREDENTIALS = "q5eYo9m0A1Hh2Jm3JZr1mJ3Ovtb6PnK1d3kQy0d1o1Y=";

    private static VerificationKeyGuard.Settings settings(Optional<String> location, Optional<String> inline,
            Optional<String> issuer, Optional<String> audiences, List<String> credentials) {
        return new VerificationKeyGuard.Settings(location, inline, issuer, audiences, credentials);
    }

    private static List<String> problems(VerificationKeyGuard.Settings settings) {
        return VerificationKeyGuard.problems(settings, VerificationKeyGuard::readKeyText);
    }

    @Test
    void acceptsAConfiguredKeyIssuerAndAudience() {
        assertTrue(problems(settings(Optional.of("https://idp.example/jwks"), Optional.empty(),
                Optional.of("https://idp.example"), Optional.of("switchboard"), List.of(PROD_CREDENTIALS))).isEmpty());
        assertTrue(problems(settings(Optional.empty(), Optional.of(OTHER_KEY), Optional.of("https://idp.example"),
                Optional.of("switchboard"), List.of(PROD_CREDENTIALS))).isEmpty());
    }

    @Test
    void refusesMissingKeyIssuerAndAudience() {
        List<String> problems = problems(settings(Optional.empty(), Optional.of(" "), Optional.empty(), Optional.empty(),
                List.of(PROD_CREDENTIALS)));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("mp.jwt.verify.publickey.location"));
        assertTrue(problems.get(2).contains("mp.jwt.verify.audiences"));
    }

    @Test
    void recognizesTheDevelopmentKeysByTheirMaterialWhereverTheyAre() throws Exception {
        String devKey = VerificationKeyGuard.readKeyText("classpath:dev/publicKey.pem").orElseThrow();
        Path copy = Files.createTempFile("innocent-name", ".pem");
        Files.writeString(copy, devKey);
        List<String> problems = problems(settings(Optional.of(copy.toString()), Optional.empty(), Optional.of("iss"),
                Optional.of("aud"), List.of(PROD_CREDENTIALS, VerificationKeyGuard.DEV_CREDENTIALS_KEY)));
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("development key"));
        assertTrue(problems.get(1).contains("switchboard.credentials.key"));
        List<String> inline = problems(settings(Optional.empty(), Optional.of(devKey.replace("\n", "")), Optional.of("iss"),
                Optional.of("aud"), List.of(PROD_CREDENTIALS)));
        assertEquals(1, inline.size(), inline.toString());
    }
}
