package io.switchboard.support;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.smallrye.jwt.util.KeyUtils;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** Mints test tokens: signed with the dev key unless the test forges one. */
public final class Tokens {

    public static final String ISSUER = "https://switchboard.local/dev";

    private Tokens() {
    }

    public static String admin() {
        return base("admin-user").groups(Set.of("admin")).sign();
    }

    public static String member(UUID... organizations) {
        return base("member-user").groups(Set.of("member"))
                .claim("orgs", List.of(organizations).stream().map(UUID::toString).collect(Collectors.toList()))
                .sign();
    }

    public static String expiredAdmin() {
        Instant past = Instant.now().minusSeconds(7200);
        return Jwt.issuer(ISSUER).subject("admin-user").groups(Set.of("admin"))
                .issuedAt(past).expiresAt(past.plusSeconds(600)).sign();
    }

    public static String wrongIssuerAdmin() {
        return Jwt.issuer("https://elsewhere.example/").subject("admin-user").groups(Set.of("admin"))
                .expiresIn(600).sign();
    }

    public static String forgedAdmin() {
        try {
            PrivateKey foreign = KeyUtils.readPrivateKey("keys/foreignPrivateKey.pem");
            return base("admin-user").groups(Set.of("admin")).sign(foreign);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JwtClaimsBuilder base(String subject) {
        return Jwt.issuer(ISSUER).subject(subject).expiresIn(600);
    }
}
