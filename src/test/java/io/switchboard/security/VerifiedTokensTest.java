package io.switchboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import java.lang.reflect.Proxy;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The verified-token cache in front of smallrye-jwt's real parser (real RSA keys and tokens). */
class VerifiedTokensTest {

    private static final String ISSUER = "https://switchboard.test/tokens";
    private static KeyPair keys;
    private static KeyPair otherKeys;

    private final AtomicLong now = new AtomicLong(System.currentTimeMillis());
    private final AtomicInteger verified = new AtomicInteger();

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        otherKeys = generator.generateKeyPair();
    }

    /** smallrye-jwt's parser for {@link #keys}, counting the tokens it is asked to verify. */
    private JWTParser countingVerifier() {
        JWTAuthContextInfo context = new JWTAuthContextInfo((RSAPublicKey) keys.getPublic(), ISSUER);
        DefaultJWTParser real = new DefaultJWTParser(context);
        return (JWTParser) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {JWTParser.class}, (proxy, method, args) -> {
            if (method.getName().equals("parse")) {
                verified.incrementAndGet();
            }
            try {
                return method.invoke(real, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private VerifiedTokens cache(int capacity) {
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        return new VerifiedTokens(countingVerifier(), clock, capacity);
    }

    private static String token(String subject, long lifetimeSeconds, KeyPair signer) {
        return Jwt.issuer(ISSUER).subject(subject).groups("admin").expiresIn(lifetimeSeconds).sign(signer.getPrivate());
    }

    @Test
    void aTokenIsVerifiedOnceAndThenAnsweredFromMemory() throws Exception {
        VerifiedTokens tokens = cache(100);
        String token = token("a", 3600, keys);
        JsonWebToken first = tokens.parse(token);
        JsonWebToken second = tokens.parse(token);
        assertSame(first, second);
        assertEquals("a", second.getSubject());
        assertEquals(1, verified.get());
    }

    @Test
    void aRememberedTokenIsVerifiedAgainOnceItExpiredAndAfterFiveMinutesAtMost() throws Exception {
        VerifiedTokens tokens = cache(100);
        String shortLived = token("short", 30, keys);
        tokens.parse(shortLived);
        now.addAndGet(29_000);
        tokens.parse(shortLived);
        assertEquals(1, verified.get());
        now.addAndGet(2_000);
        // Past its expiry the cache no longer answers: smallrye-jwt's parser judges it again (here, on the real clock,
        // where it is still valid).
        tokens.parse(shortLived);
        assertEquals(2, verified.get());

        String longLived = token("long", 3600, keys);
        tokens.parse(longLived);
        now.addAndGet(VerifiedTokens.KEEP_MILLIS - 1);
        tokens.parse(longLived);
        assertEquals(3, verified.get());
        now.addAndGet(2);
        tokens.parse(longLived);
        assertEquals(4, verified.get());
    }

    @Test
    void onlyTheExactBytesVerifiedAreRemembered() throws Exception {
        VerifiedTokens tokens = cache(100);
        String good = token("a", 3600, keys);
        tokens.parse(good);
        String[] parts = good.split("\\.");
        String forged = token("b", 3600, otherKeys);
        // Another key's signature, and a payload spliced under the verified token's signature: both refused, never kept.
        assertThrows(ParseException.class, () -> tokens.parse(forged));
        assertThrows(ParseException.class, () -> tokens.parse(parts[0] + "." + forged.split("\\.")[1] + "." + parts[2]));
        assertThrows(ParseException.class, () -> tokens.parse(forged));
        assertEquals(4, verified.get());
        assertEquals(1, tokens.size());
    }

    @Test
    void atCapacityExpiredEntriesMakeRoomAndNothingMoreIsKept() throws Exception {
        VerifiedTokens tokens = cache(2);
        String a = token("a", 10, keys);
        String b = token("b", 3600, keys);
        String c = token("c", 3600, keys);
        String d = token("d", 3600, keys);
        tokens.parse(a);
        tokens.parse(b);
        now.addAndGet(11_000);
        // a ran out: c takes its place.
        tokens.parse(c);
        assertEquals(2, tokens.size());
        // Full of live entries: d is verified (and answered) but not kept.
        tokens.parse(d);
        tokens.parse(d);
        assertEquals(2, tokens.size());
        assertEquals(5, verified.get());
        tokens.parse(b);
        tokens.parse(c);
        assertEquals(5, verified.get());
    }
}
