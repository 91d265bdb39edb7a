package io.switchboard.security;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.microprofile.config.Config;

/**
 * Refuses to start a production instance that could not verify tokens, that would accept tokens
 * meant for other applications (no audience), or that would trust the development keys shipped
 * in the source tree — recognized by their key material, whatever file or variable holds them.
 */
@ApplicationScoped
public class VerificationKeyGuard {

    static final String KEY_LOCATION = "mp.jwt.verify.publickey.location";
    static final String KEY_INLINE = "mp.jwt.verify.publickey";
    static final String ISSUER = "mp.jwt.verify.issuer";
    static final String AUDIENCES = "mp.jwt.verify.audiences";
    static final String CREDENTIALS_KEY = "switchboard.credentials.key";
    static final String DEV_PUBLIC_KEY = "dev/publicKey.pem";
    /** The development credentials key (public, in application.properties for dev and test). */
    static final String DEV_CREDENTIALS_KEY = "c3dpdGNoYm9hcmQtZGV2LW9ubHkta2V5LTMyYnl0ZXM=";

    /** What the guard is given to judge. */
    record Settings(Optional<String> keyLocation, Optional<String> inlineKey, Optional<String> issuer,
            Optional<String> audiences, List<String> credentialsKeys) {
    }

    void onStart(@Observes StartupEvent event, Config config) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        Settings settings = new Settings(config.getOptionalValue(KEY_LOCATION, String.class),
                config.getOptionalValue(KEY_INLINE, String.class), config.getOptionalValue(ISSUER, String.class),
                config.getOptionalValue(AUDIENCES, String.class),
                config.getOptionalValues(CREDENTIALS_KEY, String.class).orElse(List.of()));
        List<String> problems = problems(settings, VerificationKeyGuard::readKeyText);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Refusing to start: " + String.join("; ", problems));
        }
    }

    static List<String> problems(Settings settings, Function<String, Optional<String>> readKey) {
        List<String> problems = new ArrayList<>();
        Optional<String> location = settings.keyLocation().filter(s -> !s.isBlank());
        Optional<String> inline = settings.inlineKey().filter(s -> !s.isBlank());
        if (location.isEmpty() && inline.isEmpty()) {
            problems.add("no JWT verification key configured (set " + KEY_LOCATION + " to a PEM file or JWKS URL)");
        }
        String devKey = fingerprint(readKey.apply("classpath:" + DEV_PUBLIC_KEY).orElseThrow(
                () -> new IllegalStateException("the development key " + DEV_PUBLIC_KEY + " is missing from the build")));
        Optional<String> configured = inline.isPresent() ? inline : location.flatMap(readKey);
        if (configured.map(VerificationKeyGuard::fingerprint).filter(devKey::equals).isPresent()) {
            problems.add((inline.isPresent() ? KEY_INLINE : KEY_LOCATION) + " holds the development key, which is public");
        }
        if (settings.issuer().filter(s -> !s.isBlank()).isEmpty()) {
            problems.add("no expected token issuer configured (set " + ISSUER + ")");
        }
        if (settings.audiences().filter(s -> !s.isBlank()).isEmpty()) {
            problems.add("no token audience configured (set " + AUDIENCES + " to the audience your identity provider"
                    + " puts in Switchboard's tokens, so tokens issued for other applications are refused)");
        }
        String devCredentials = fingerprint(DEV_CREDENTIALS_KEY);
        for (String key : settings.credentialsKeys()) {
            if (fingerprint(key).equals(devCredentials)) {
                problems.add(CREDENTIALS_KEY + " holds the development key, which is public");
            }
        }
        return problems;
    }

    /** SHA-256 of the key material: the base64 body of a PEM (headers and whitespace dropped) or the text itself. */
    static String fingerprint(String keyText) {
        String body = keyText.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] material;
        try {
            material = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            material = keyText.trim().getBytes(StandardCharsets.UTF_8);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(material));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text of a key given by location: a file or a classpath resource; empty for URLs (a JWKS endpoint). */
    static Optional<String> readKeyText(String location) {
        if (location.startsWith("http://") || location.startsWith("https://")) {
            return Optional.empty();
        }
        String path = location.startsWith("file:") ? location.substring(5) : location;
        try {
            if (!path.startsWith("classpath:") && Files.isRegularFile(Path.of(path))) {
                return Optional.of(Files.readString(Path.of(path)));
            }
            String resource = path.startsWith("classpath:") ? path.substring(10) : path;
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
                return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
