package io.switchboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VerificationKeyGuardTest {

    @Test
    void acceptsAConfiguredKeyAndIssuer() {
        assertTrue(VerificationKeyGuard.problems(Optional.of("https://idp.example/jwks"), Optional.empty(),
                Optional.of("https://idp.example")).isEmpty());
        assertTrue(VerificationKeyGuard.problems(Optional.empty(), Optional.of("MIIB..."),
                Optional.of("https://idp.example")).isEmpty());
    }

    @Test
    void refusesMissingKey() {
        List<String> problems = VerificationKeyGuard.problems(Optional.empty(), Optional.of(" "),
                Optional.of("https://idp.example"));
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("mp.jwt.verify.publickey.location"));
    }

    @Test
    void refusesTheDevelopmentKeyAndMissingIssuer() {
        List<String> problems = VerificationKeyGuard.problems(Optional.of("dev/publicKey.pem"), Optional.empty(),
                Optional.empty());
        assertEquals(2, problems.size());
    }
}
