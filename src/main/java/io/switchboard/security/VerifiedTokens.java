package io.switchboard.security;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKey;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The token parser every request's authentication uses: smallrye-jwt's own, in front of which the
 * tokens it verified are remembered, so that a client calling with the same bearer token again is
 * not verified again (an RSA signature check was a fifth of the service's CPU per text sent). A
 * remembered token is answered only while it has not expired (no grace period) and for at most
 * {@link #KEEP_MILLIS} after its verification; at most {@link #CAPACITY} are kept. The key is the
 * whole token, so only the exact bytes that were verified match. Tokens that failed are never kept.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VerifiedTokens implements JWTParser {

    static final int CAPACITY = 10_000;
    static final long KEEP_MILLIS = 5 * 60_000;

    private record Kept(JsonWebToken token, long untilMillis) {
    }

    private final JWTParser verifier;
    private final Clock clock;
    private final int capacity;
    private final Map<String, Kept> kept = new ConcurrentHashMap<>();

    @Inject
    VerifiedTokens(DefaultJWTParser verifier) {
        this(verifier, Clock.systemUTC(), CAPACITY);
    }

    VerifiedTokens(JWTParser verifier, Clock clock, int capacity) {
        this.verifier = verifier;
        this.clock = clock;
        this.capacity = capacity;
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        long now = clock.millis();
        Kept hit = kept.get(token);
        if (hit != null) {
            if (now < hit.untilMillis()) {
                return hit.token();
            }
            kept.remove(token, hit);
        }
        JsonWebToken verified = verifier.parse(token);
        long expires = verified.getExpirationTime() * 1000L;
        long until = Math.min(now + KEEP_MILLIS, expires);
        if (verified.getExpirationTime() > 0 && until > now && room(now)) {
            kept.put(token, new Kept(verified, until));
        }
        return verified;
    }

    /** Whether one more fits, after dropping what has run out. */
    private boolean room(long now) {
        if (kept.size() < capacity) {
            return true;
        }
        for (Iterator<Kept> it = kept.values().iterator(); it.hasNext();) {
            if (it.next().untilMillis() <= now) {
                it.remove();
            }
        }
        return kept.size() < capacity;
    }

    int size() {
        return kept.size();
    }

    // Everything else (not used by request authentication) goes straight to smallrye-jwt's parser.

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo context) throws ParseException {
        return verifier.parse(token, context);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return verifier.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return verifier.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return verifier.parseOnly(token);
    }
}
