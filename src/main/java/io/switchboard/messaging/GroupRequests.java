package io.switchboard.messaging;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * The port through which group requests reach WhatsApp, carried out by the replica that runs the
 * organization's connection: {@code request} is {@code {op, …}} (create, get, list, participants,
 * update, invite, join, leave); the answer is what that replica stored for it. Fails with
 * {@link PhoneReupload.Failed} (WhatsApp's refusal as a reason, or not-connected).
 */
public interface GroupRequests {

    Uni<JsonObject> group(UUID organizationId, JsonObject request);
}
