package io.switchboard.messaging;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.switchboard.security.TenantAccess;
import io.switchboard.session.store.ContactStore;
import io.switchboard.session.store.SessionStore;
import io.switchboard.web.ApiException;
import io.switchboard.web.CanonicalUuid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * "Is this number on WhatsApp?" — WhatsApp's own answer (its canonical number, which may differ
 * from the number as written, and the LID), asked by the replica running the connection, kept for
 * {@code switchboard.messages.contact-check-cache} and read by any replica.
 */
@Path("/api/v1/organizations/{id}/whatsapp/contacts")
@Authenticated
@SecurityRequirement(name = "SecurityScheme")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Contacts")
public class ContactsResource {

    static final int MAX_NUMBERS = 50;

    /** {@code phones}: 1 to 50 numbers, country code first, written as people write them. */
    public record CheckRequest(@Schema(description = "1 to 50 numbers, country code first; +, spaces, dashes, dots and brackets"
            + " are ignored", example = "[\"+55 11 8765-4321\"]") List<String> phones) {
    }

    /** One number's answer. */
    public record ContactCheck(@Schema(description = "The number as it was asked") String input, boolean exists,
            @Schema(nullable = true, description = "WhatsApp's number for it (digits), which may differ from the input")
            String phone,
            @Schema(nullable = true) String jid, @Schema(nullable = true, description = "The account's LID") String lid,
            @Schema(description = "When WhatsApp gave this answer") Instant checkedAt) {
    }

    public record CheckResult(boolean success, List<ContactCheck> results) {
    }

    private final TenantAccess access;
    private final SessionStore sessions;
    private final ContactStore contacts;
    private final ContactChecks checks;
    private final MessagesConfig config;

    ContactsResource(TenantAccess access, SessionStore sessions, ContactStore contacts, ContactChecks checks, MessagesConfig config) {
        this.access = access;
        this.sessions = sessions;
        this.contacts = contacts;
        this.checks = checks;
        this.config = config;
    }

    @POST
    @Path("/check")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Check numbers on WhatsApp", description = "For each number, whether it is on WhatsApp and as which"
            + " number: WhatsApp's canonical number, JID and LID (a Brazilian mobile written without its ninth digit answers"
            + " the number with it). Answers are reused for switchboard.messages.contact-check-cache; the others are asked of"
            + " WhatsApp by the replica running the connection, at most one query per organization per"
            + " switchboard.messages.contact-check-spacing.")
    @APIResponse(responseCode = "200", description = "One answer per number, in the order asked.",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CheckResult.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (phones: 1 to 50 numbers of 7 to 15 digits), `malformed-json`,"
            + " `invalid-path-parameter`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`not-connected`: WhatsApp is not connected for this organization (and some"
            + " numbers have no recent answer).", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "503", description = "`check-failed`: WhatsApp or the replica running the connection did not"
            + " answer in time; retry shortly.", content = @Content(mediaType = "application/problem+json"))
    public Uni<CheckResult> check(@PathParam("id") String id, CheckRequest request) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        if (request == null || request.phones() == null || request.phones().isEmpty() || request.phones().size() > MAX_NUMBERS) {
            throw ApiException.invalidField("phones", "must list 1 to " + MAX_NUMBERS + " numbers");
        }
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < request.phones().size(); i++) {
            inputs.add(PhoneNumbers.digits("phones[" + i + "]", request.phones().get(i)));
        }
        List<String> distinct = List.copyOf(new LinkedHashSet<>(inputs));
        return sessions.organizationExists(org).flatMap(exists -> {
            if (!exists) {
                throw ApiException.notFound("organization-not-found", "Organization " + org + " does not exist.");
            }
            Instant since = Instant.now().minus(config.contactCheckCache());
            return contacts.fresh(org, distinct, since).flatMap(known -> {
                List<String> missing = distinct.stream().filter(input -> !known.containsKey(input)).toList();
                if (missing.isEmpty()) {
                    return Uni.createFrom().item(known);
                }
                return checks.check(org, missing)
                        .onFailure(PhoneReupload.Failed.class).transform(error -> "not-connected".equals(((PhoneReupload.Failed) error)
                                .reason()) ? new ApiException(409, "not-connected", error.getMessage())
                                : new ApiException(503, "check-failed", error.getMessage()))
                        .flatMap(ignored -> contacts.fresh(org, distinct, since));
            }).map(answers -> new CheckResult(true, answer(request.phones(), inputs, answers)));
        });
    }

    private static List<ContactCheck> answer(List<String> written, List<String> inputs, Map<String, ContactStore.Check> answers) {
        List<ContactCheck> results = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            ContactStore.Check found = answers.get(inputs.get(i));
            if (found == null) {
                throw new ApiException(503, "check-failed", "WhatsApp gave no answer for " + written.get(i) + "; retry shortly.");
            }
            String jid = found.exists() ? found.jid() : null;
            String phone = jid == null ? null : jid.substring(0, jid.indexOf('@')).split(":")[0];
            results.add(new ContactCheck(written.get(i), found.exists(), phone, jid, found.exists() ? found.lid() : null,
                    found.checkedAt()));
        }
        return results;
    }
}
