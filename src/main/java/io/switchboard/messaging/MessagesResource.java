package io.switchboard.messaging;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.security.TenantAccess;
import io.switchboard.session.store.MessageStore;
import io.switchboard.session.store.SessionStore;
import io.switchboard.web.ApiException;
import io.switchboard.web.CanonicalUuid;
import io.switchboard.web.PageLimit;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Texts an organization sends and receives. A text to send is stored first (the outbox) and sent
 * by the replica that runs the connection; an {@code Idempotency-Key} seen in the last 24 hours
 * answers the first request's message and never sends twice. Any replica answers.
 */
@Path("/api/v1/organizations/{id}/whatsapp/messages")
@Authenticated
@SecurityRequirement(name = "SecurityScheme")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Messages")
public class MessagesResource {

    /** WhatsApp's limit on a text. */
    static final int MAX_TEXT = 65_536;
    private static final Pattern TO = Pattern.compile("\\+?([1-9][0-9]{6,14})(@s\\.whatsapp\\.net)?");
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

    /** {@code to}: E.164 digits ({@code +} optional) or a phone-number JID; {@code text}: 1 to 65,536 characters. */
    public record SendRequest(String to, String text) {
    }

    private final OutboxStore outbox;
    private final MessageStore received;
    private final SessionStore sessions;
    private final TenantAccess access;
    private final MessagesConfig config;

    MessagesResource(OutboxStore outbox, MessageStore received, SessionStore sessions, TenantAccess access, MessagesConfig config) {
        this.outbox = outbox;
        this.received = received;
        this.sessions = sessions;
        this.access = access;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Send a text", description = "Stored first (durable before 202), then sent exactly once by the"
            + " replica running the connection; statuses follow as message.status events (queued, sending, sent, delivered,"
            + " read, failed). The same Idempotency-Key within 24 hours answers the first message and sends nothing.")
    @Parameter(name = "Idempotency-Key", in = ParameterIn.HEADER, description = "1 to 255 visible ASCII characters",
            schema = @Schema(type = SchemaType.STRING, maxLength = 255))
    @APIResponse(responseCode = "202", description = "Accepted (queued), or the first message under this Idempotency-Key.",
            headers = @Header(name = "Idempotent-Replayed", description = "true when this answers an earlier request with the"
                    + " same Idempotency-Key", schema = @Schema(type = SchemaType.STRING, enumeration = "true")),
            content = @Content(schema = @Schema(implementation = MessageViews.OutboundMessage.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (to, text: empty, longer than 65,536 characters, NUL or a"
            + " lone surrogate), `invalid-idempotency-key`, `invalid-path-parameter`, `malformed-json`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`idempotency-key-reused`: the key came with another body.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "429", description = "`queue-full`: the organization has as many texts waiting as allowed.",
            headers = @Header(name = "Retry-After", description = "Seconds", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> send(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String idempotencyKey, SendRequest request) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        if (idempotencyKey != null && !KEY.matcher(idempotencyKey).matches()) {
            throw ApiException.badRequest("invalid-idempotency-key", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
        }
        if (request == null) {
            throw ApiException.invalidField("to", "is required");
        }
        Matcher to = request.to() == null ? null : TO.matcher(request.to().trim());
        if (to == null || !to.matches()) {
            throw ApiException.invalidField("to", "must be a phone number with its country code (7 to 15 digits) or a JID"
                    + " like 15551234567@s.whatsapp.net");
        }
        String text = request.text();
        if (text == null || text.isEmpty()) {
            throw ApiException.invalidField("text", "is required");
        }
        io.switchboard.web.SafeText.requireUnicode("text", text);
        if (text.codePointCount(0, text.length()) > MAX_TEXT) {
            throw ApiException.invalidField("text", "must be at most " + MAX_TEXT + " characters");
        }
        String phone = to.group(1);
        return exists(org).flatMap(ignored -> outbox.enqueue(org, idempotencyKey, hash(phone, text), phone, text,
                        WhatsAppClient.newMessageId(), config.queueLimit()))
                .onFailure(OutboxStore.KeyReused.class).transform(e -> ApiException.conflict("idempotency-key-reused", e.getMessage()))
                .onFailure(OutboxStore.QueueFull.class).transform(e -> new ApiException(429, "queue-full", e.getMessage(), null, 10))
                .map(enqueued -> {
                    Response.ResponseBuilder answer = Response.accepted(outboundView(enqueued.message(), false));
                    if (!enqueued.created()) {
                        answer.header("Idempotent-Replayed", "true");
                    }
                    return answer.build();
                });
    }

    @GET
    @Path("/{messageId}")
    @Operation(summary = "Get a sent text", description = "With its status history.")
    @APIResponse(responseCode = "200", description = "The text.", content = @Content(schema = @Schema(implementation =
            MessageViews.OutboundMessage.class)))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `message-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<MessageViews.OutboundMessage> one(@PathParam("id") String id, @PathParam("messageId") String messageId) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        UUID message = CanonicalUuid.pathParameter("messageId", messageId);
        return exists(org).flatMap(ignored -> outbox.find(org, message)).map(found -> {
            if (found == null) {
                throw ApiException.notFound("message-not-found", "Message " + message + " does not exist.");
            }
            return outboundView(found, true);
        });
    }

    /** Sent ({@code direction=out}, the default) or received ({@code in}) texts, newest first, {@code limit} per page. */
    @GET
    @Operation(summary = "List texts", description = "Sent (direction=out, the default) or received (direction=in), newest"
            + " first; follow next as after for the following page.")
    @Parameter(name = "direction", in = ParameterIn.QUERY, schema = @Schema(type = SchemaType.STRING, enumeration = {"out", "in"}))
    @Parameter(name = "after", in = ParameterIn.QUERY, description = "The next cursor of the previous page")
    @Parameter(name = "limit", in = ParameterIn.QUERY, schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "200"))
    @APIResponse(responseCode = "200", description = "A page of sent texts (out) or of received texts (in).",
            content = @Content(schema = @Schema(anyOf = {MessageViews.OutboundPage.class, MessageViews.InboundPage.class})))
    public Uni<Object> page(@PathParam("id") String id, @QueryParam("direction") String direction,
            @QueryParam("after") String after, @QueryParam("limit") String limit) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        boolean in = "in".equals(direction);
        if (direction != null && !in && !"out".equals(direction)) {
            throw ApiException.badRequest("invalid-query", "direction must be in or out.");
        }
        int size = PageLimit.of(limit);
        String[] cursor = cursor(after);
        long micros = cursor == null ? 0 : Long.parseLong(cursor[0]);
        Instant beforeTime = cursor == null ? null : Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
        if (in) {
            return exists(org).flatMap(ignored -> received.page(org, beforeTime, cursor == null ? null : cursor[1], size))
                    .map(page -> {
                        List<MessageViews.InboundMessage> items = new ArrayList<>();
                        page.forEach(item -> items.add(inboundView(item)));
                        MessageStore.Received last = page.size() == size ? page.get(page.size() - 1) : null;
                        return (Object) new MessageViews.InboundPage(true, items, last == null ? null
                                : cursorOf(last.receivedAt(), last.message().id()));
                    });
        }
        UUID beforeId;
        try {
            beforeId = cursor == null ? null : UUID.fromString(cursor[1]);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid-query", "after is not a cursor this API gave.");
        }
        return exists(org).flatMap(ignored -> outbox.page(org, beforeTime, beforeId, size)).map(page -> {
            List<MessageViews.OutboundMessage> items = new ArrayList<>();
            page.forEach(item -> items.add(outboundView(item, false)));
            OutboxStore.Outbound last = page.size() == size ? page.get(page.size() - 1) : null;
            return new MessageViews.OutboundPage(true, items, last == null ? null : cursorOf(last.createdAt(), last.id().toString()));
        });
    }

    /** A cursor is base64url("epochMicros|id"); anything else is refused. */
    private static String[] cursor(String after) {
        if (after == null) {
            return null;
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(after), StandardCharsets.UTF_8).split("\\|", 2);
            if (parts.length == 2 && parts[0].matches("[0-9]{1,17}") && parts[1].matches("[0-9A-Za-z-]{1,64}")) {
                return parts;
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw ApiException.badRequest("invalid-query", "after is not a cursor this API gave.");
    }

    private static String cursorOf(Instant at, String id) {
        long micros = at.getEpochSecond() * 1_000_000 + at.getNano() / 1000;
        return Base64.getUrlEncoder().withoutPadding().encodeToString((micros + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    private static MessageViews.OutboundMessage outboundView(OutboxStore.Outbound message, boolean withHistory) {
        List<MessageViews.StatusChange> history = null;
        if (withHistory) {
            history = message.history().stream().map(change -> new MessageViews.StatusChange(change.status(), change.at(),
                    change.detail())).toList();
        }
        return new MessageViews.OutboundMessage(true, message.id(), "out", message.status(),
                new MessageViews.Party(message.to(), message.to() + "@s.whatsapp.net"), message.text(), message.whatsappId(),
                message.createdAt(), message.updatedAt(), message.sentAt(), message.reason(), message.detail(), history);
    }

    private static MessageViews.InboundMessage inboundView(MessageStore.Received item) {
        String sender = item.message().sender();
        String phone = sender.substring(0, sender.indexOf('@')).split(":")[0];
        return new MessageViews.InboundMessage(item.message().id(), "in", new MessageViews.Party(phone, sender),
                item.message().chat(), item.message().text(), item.message().sentAt(), item.receivedAt());
    }

    private Uni<UUID> exists(UUID org) {
        return sessions.organizationExists(org).map(found -> {
            if (!found) {
                throw ApiException.notFound("organization-not-found", "Organization " + org + " does not exist.");
            }
            return org;
        });
    }

    private static String hash(String phone, String text) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest((phone + "\n" + text).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
