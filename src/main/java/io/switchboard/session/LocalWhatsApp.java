package io.switchboard.session;

import java.util.Optional;

/**
 * A WhatsApp served by this very process (the sandbox, in dev and tests). It tells its root key
 * when it runs, so that {@code switchboard.whatsapp.trust-root=sandbox} works without the session
 * code knowing the sandbox.
 */
public interface LocalWhatsApp {

    /** The root key of the local WhatsApp's certificate chain, empty when it does not run here. */
    Optional<byte[]> trustRoot();

    /** The PEM certificate of the local WhatsApp's media host (self-signed), empty when it does not run here. */
    Optional<String> mediaCertificate();
}
