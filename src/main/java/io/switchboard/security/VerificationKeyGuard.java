package io.switchboard.security;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.cert.CertificateFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
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
import org.jboss.logging.Logger;

/**
 * Refuses to start a production instance that could not verify tokens, that would accept tokens
 * meant for other applications (no audience), or that would trust the development keys of the
 * source tree — recognized by their key material (the RSA modulus), in every form smallrye-jwt
 * accepts: PEM public key, X.509 certificate, JWK, JWK set (inline, base64url-encoded, in a file,
 * or behind a JWKS URL, which is read once at start). The development key pair itself is not in
 * the artifact ({@code src/dev/jwt}, outside the classpath); only the SHA-256 of its modulus is.
 */
@ApplicationScoped
public class VerificationKeyGuard {

    static final String KEY_LOCATION = "mp.jwt.verify.publickey.location";
    static final String KEY_INLINE = "mp.jwt.verify.publickey";
    static final String ISSUER = "mp.jwt.verify.issuer";
    static final String AUDIENCES = "mp.jwt.verify.audiences";
    static final String CREDENTIALS_KEY = "switchboard.credentials.key";
    /** SHA-256 of the modulus (unsigned big-endian) of the development RSA key, {@code src/dev/jwt/publicKey.pem}. */
    static final String DEV_RSA_MODULUS_SHA256 = "76ed81690db11e640793cfaa2a0e3334d739e5b711a75d7b3d2ab22a18c8523a";
    private static final Logger LOG = Logger.getLogger(VerificationKeyGuard.class);
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
        Optional<String> configured = inline.isPresent() ? inline : location.flatMap(readKey);
        if (configured.filter(VerificationKeyGuard::holdsDevelopmentKey).isPresent()) {
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

    /** Whether {@code keyText}, in any form smallrye-jwt reads, is or contains the development RSA key. */
    static boolean holdsDevelopmentKey(String keyText) {
        for (BigInteger modulus : rsaModuli(keyText)) {
            byte[] bytes = modulus.toByteArray();
            if (bytes.length > 1 && bytes[0] == 0) {
                bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
            }
            if (sha256(bytes).equals(DEV_RSA_MODULUS_SHA256)) {
                return true;
            }
        }
        return false;
    }

    /** The RSA moduli in a key text: PEM public key or certificate, JWK or JWK set (JSON or base64url of it), bare base64 DER. */
    static List<BigInteger> rsaModuli(String keyText) {
        List<BigInteger> moduli = new ArrayList<>();
        String text = keyText.trim();
        try {
            if (text.startsWith("{")) {
                JsonObject json = new JsonObject(text);
                JsonArray keys = json.getJsonArray("keys");
                if (keys == null) {
                    addJwk(json, moduli);
                } else {
                    for (int i = 0; i < keys.size(); i++) {
                        addJwk(keys.getJsonObject(i), moduli);
                    }
                }
                return moduli;
            }
            if (text.contains("-----BEGIN CERTIFICATE-----")) {
                var certificates = CertificateFactory.getInstance("X.509")
                        .generateCertificates(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
                for (var certificate : certificates) {
                    if (certificate.getPublicKey() instanceof RSAPublicKey rsa) {
                        moduli.add(rsa.getModulus());
                    }
                }
                return moduli;
            }
            String body = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            byte[] der = decode(body);
            if (der.length > 0 && der[0] == '{') {
                return rsaModuli(new String(der, StandardCharsets.UTF_8));
            }
            var key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
            moduli.add(((RSAPublicKey) key).getModulus());
        } catch (GeneralSecurityException | RuntimeException e) {
            // Not a form this guard reads: smallrye-jwt will refuse it itself, or it is not the development key.
        }
        return moduli;
    }

    private static void addJwk(JsonObject jwk, List<BigInteger> moduli) {
        if (jwk != null && "RSA".equals(jwk.getString("kty")) && jwk.getString("n") != null) {
            moduli.add(new BigInteger(1, Base64.getUrlDecoder().decode(jwk.getString("n"))));
        }
    }

    private static byte[] decode(String body) {
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            return Base64.getUrlDecoder().decode(body.replace("=", ""));
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    /**
     * The text of a key given by location: a file, a classpath resource, or a JWKS URL read once
     * (5 s; unreachable: a warning, the key is then not checked here).
     */
    static Optional<String> readKeyText(String location) {
        if (location.startsWith("http://") || location.startsWith("https://")) {
            try {
                HttpResponse<String> answer = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                        .send(HttpRequest.newBuilder(URI.create(location)).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    return Optional.of(answer.body());
                }
                LOG.warnf("the JWKS at %s answered %d at start-up: its keys are not checked against the development key",
                        location, answer.statusCode());
            } catch (IOException | IllegalArgumentException e) {
                LOG.warnf("the JWKS at %s could not be read at start-up (%s): its keys are not checked against the"
                        + " development key", location, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
