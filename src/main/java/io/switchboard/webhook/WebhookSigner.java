package io.switchboard.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signatures as the Standard Webhooks convention makes them: {@code v1,<base64 HMAC-SHA256>} over
 * {@code id.timestamp.body}, keyed by the secret's bytes; secrets are shown as {@code whsec_<base64>}.
 * Several signatures (a rotation's overlap) are separated by spaces.
 */
final class WebhookSigner {

    static final String PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSigner() {
    }

    /** A new secret: 32 random bytes, in its shown form. */
    static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    static String signature(List<String> secrets, String id, long timestamp, String body) {
        StringBuilder header = new StringBuilder();
        for (String secret : secrets) {
            if (header.length() > 0) {
                header.append(' ');
            }
            header.append("v1,").append(sign(secret, id, timestamp, body));
        }
        return header.toString();
    }

    private static String sign(String secret, String id, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(PREFIX.length())), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
