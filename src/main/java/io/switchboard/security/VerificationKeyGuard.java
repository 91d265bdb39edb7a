package io.switchboard.security;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * Refuses to start a production instance that could not verify tokens, or that would trust the
 * development key pair shipped in the source tree.
 */
@ApplicationScoped
public class VerificationKeyGuard {

    static final String KEY_LOCATION = "mp.jwt.verify.publickey.location";
    static final String KEY_INLINE = "mp.jwt.verify.publickey";
    static final String ISSUER = "mp.jwt.verify.issuer";
    static final String DEV_KEY_MARKER = "dev/publicKey.pem";

    void onStart(@Observes StartupEvent event, Config config) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        List<String> problems = problems(
                config.getOptionalValue(KEY_LOCATION, String.class),
                config.getOptionalValue(KEY_INLINE, String.class),
                config.getOptionalValue(ISSUER, String.class));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Refusing to start: " + String.join("; ", problems));
        }
    }

    static List<String> problems(Optional<String> keyLocation, Optional<String> inlineKey, Optional<String> issuer) {
        List<String> problems = new ArrayList<>();
        boolean hasLocation = keyLocation.filter(s -> !s.isBlank()).isPresent();
        boolean hasInline = inlineKey.filter(s -> !s.isBlank()).isPresent();
        if (!hasLocation && !hasInline) {
            problems.add("no JWT verification key configured (set " + KEY_LOCATION + " to a PEM file or JWKS URL)");
        }
        if (hasLocation && keyLocation.get().endsWith(DEV_KEY_MARKER)) {
            problems.add(KEY_LOCATION + " points at the development key, which is public");
        }
        if (issuer.filter(s -> !s.isBlank()).isEmpty()) {
            problems.add("no expected token issuer configured (set " + ISSUER + ")");
        }
        return problems;
    }
}
