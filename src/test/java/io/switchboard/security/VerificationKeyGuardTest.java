package io.switchboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VerificationKeyGuardTest {

    private static final Path DEV_PUBLIC_KEY = Path.of("src", "dev", "jwt", "publicKey.pem");

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
        String devKey = Files.readString(DEV_PUBLIC_KEY);
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

    /** The development key given as a JWK, in a JWK set beside another key, base64url-encoded, or as a certificate. */
    @Test
    void recognizesTheDevelopmentKeyInEveryFormSmallryeJwtReads() throws Exception {
        RSAPublicKey dev = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder()
                .decode(Files.readString(DEV_PUBLIC_KEY).replaceAll("-----[A-Z ]+-----", ""))));
        String jwk = jwk(dev, "dev");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String other = jwk((RSAPublicKey) generator.generateKeyPair().getPublic(), "prod");
        String jwks = "{\"keys\": [" + other + ", " + jwk + "]}";
        String certificate = new String(getClass().getResourceAsStream("/guard/dev-certificate.pem").readAllBytes(),
                StandardCharsets.US_ASCII);
        for (String form : List.of(jwk, jwks, Base64.getUrlEncoder().withoutPadding().encodeToString(jwks.getBytes(StandardCharsets.UTF_8)),
                certificate, Files.readString(DEV_PUBLIC_KEY))) {
            assertTrue(VerificationKeyGuard.holdsDevelopmentKey(form), form);
            List<String> inline = problems(settings(Optional.empty(), Optional.of(form), Optional.of("iss"), Optional.of("aud"),
                    List.of(PROD_CREDENTIALS)));
            assertEquals(1, inline.size(), inline.toString());
        }
        assertFalse(VerificationKeyGuard.holdsDevelopmentKey("{\"keys\": [" + other + "]}"), "another key set");

        HttpServer idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/jwks", exchange -> {
            byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        idp.start();
        try {
            List<String> url = problems(settings(Optional.of("http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks"),
                    Optional.empty(), Optional.of("iss"), Optional.of("aud"), List.of(PROD_CREDENTIALS)));
            assertEquals(1, url.size(), "a JWKS URL is read once at start: " + url);
        } finally {
            idp.stop(0);
        }
    }

    /** The development key pair is not on the classpath: it is not in the artifact. */
    @Test
    void theDevelopmentKeysAreNotInTheArtifact() {
        for (String resource : List.of("dev/privateKey.pem", "dev/publicKey.pem", "privateKey.pem")) {
            assertNull(Thread.currentThread().getContextClassLoader().getResource(resource), resource);
        }
    }

    private static String jwk(RSAPublicKey key, String kid) {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        return "{\"kty\": \"RSA\", \"kid\": \"" + kid + "\", \"alg\": \"RS256\", \"use\": \"sig\", \"n\": \""
                + url.encodeToString(unsigned(key.getModulus())) + "\", \"e\": \"" + url.encodeToString(unsigned(key.getPublicExponent()))
                + "\"}";
    }

    private static byte[] unsigned(java.math.BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }
}
