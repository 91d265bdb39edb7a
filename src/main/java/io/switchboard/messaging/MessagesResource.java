package io.switchboard.messaging;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.switchboard.protocol.client.WhatsAppClient;
import io.switchboard.security.TenantAccess;
import io.switchboard.session.store.MessageStore;
import io.switchboard.session.store.SessionStore;
import io.switchboard.protocol.media.MediaDownloader;
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

    /**
     * {@code to}: E.164 digits ({@code +} optional) or a phone-number JID; {@code text}: 1 to 65,536
     * characters, or {@code media}: a file (with its caption) instead.
     */
    public record SendRequest(@Schema(example = "+5511912345678") String to,
            @Schema(description = "The text (not with media: a file's text is its caption)") String text,
            @Schema(description = "A file to send instead of a text") MediaRequest media,
            @Schema(description = "The message this one replies to — a received message's WhatsApp id, or one of ours (id or"
                    + " whatsappId) — in the same chat") String replyTo,
            @Schema(description = "Numbers mentioned (digits, country code first; write @<number> in the text or caption where"
                    + " they go)", maxItems = 50) List<String> mentions) {

        public SendRequest(String to, String text) {
            this(to, text, null, null, null);
        }

        public SendRequest(String to, String text, MediaRequest media) {
            this(to, text, media, null, null);
        }
    }

    /** {@code emoji}: the reaction; empty removes ours. */
    public record ReactionRequest(@Schema(description = "One emoji; \"\" removes our reaction", example = "👍") String emoji) {
    }

    /** {@code ids}: received messages (WhatsApp ids), or {@code chat}: every unread received message of that chat. */
    public record ReadRequest(@Schema(description = "WhatsApp ids of received messages (1 to 50)") List<String> ids,
            @Schema(description = "Or a chat: its unread received messages (the newest 50)", example = "+5511912345678") String chat) {
    }

    /** How many received messages were marked read. */
    public record ReadResult(boolean success, int read) {
    }

    /** {@code text}: the message's new text. */
    public record EditRequest(@Schema(description = "The new text, 1 to 65,536 characters") String text) {
    }

    /** A file in a JSON body: its bytes in base64 ({@code data}). */
    public record MediaRequest(@Schema(enumeration = {"image", "video", "audio", "voice", "document", "sticker"}) String type,
            @Schema(description = "The file, base64 (the JSON body may be at most 24 MB; larger files as multipart/form-data)")
            String data,
            @Schema(description = "Or where to fetch the file: a public http(s) URL, no redirects, within 30 s") String url,
            @Schema(description = "Documents only: the mimetype shown (other types are read from the bytes)") String mimetype,
            @Schema(description = "Documents: the file name shown (default: file)") String fileName,
            @Schema(description = "Shown under an image, video or document") String caption) {
    }

    private final OutboxStore outbox;
    private final MessageStore received;
    private final SessionStore sessions;
    private final TenantAccess access;
    private final MessagesConfig config;

    private final MediaIntake intake;
    private final io.switchboard.protocol.media.MediaDownloader downloads;
    private final PhoneReupload reupload;
    private final MediaBlobStore blobs;
    private final Conversations conversations;
    private final ReadReceipts reads;

    MessagesResource(OutboxStore outbox, MessageStore received, SessionStore sessions, TenantAccess access, MessagesConfig config,
            MediaIntake intake, io.switchboard.protocol.media.MediaDownloader downloads, PhoneReupload reupload,
            MediaBlobStore blobs, Conversations conversations, ReadReceipts reads) {
        this.reads = reads;
        this.conversations = conversations;
        this.blobs = blobs;
        this.intake = intake;
        this.reupload = reupload;
        this.downloads = downloads;
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
            + " lone surrogate; media), `unsupported-media` (the file is not its type), `url-not-allowed` and `media-url-failed`"
            + " (media.url), `invalid-idempotency-key`, `invalid-path-parameter`, `malformed-json`.",
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
        String phone = recipient(request.to());
        List<String> mentions = mentions(request.mentions());
        if (request.media() != null) {
            MediaRequest media = request.media();
            if (request.text() != null) {
                throw ApiException.invalidField("text", "is not sent with media: give the file's text as media.caption");
            }
            io.switchboard.protocol.media.MediaType type = MediaIntake.type(media.type());
            boolean data = media.data() != null && !media.data().isEmpty();
            boolean url = media.url() != null && !media.url().isEmpty();
            if (data == url) {
                throw ApiException.invalidField("media", "needs either data (the file in base64) or url (where to fetch it); or"
                        + " send multipart/form-data");
            }
            String caption = caption(type, media.caption());
            java.util.function.Supplier<MediaIntake.Taken> take = data
                    ? () -> intake.fromBase64(org, type, media.data(), media.mimetype(), media.fileName())
                    : () -> intake.fromUrl(org, type, media.url(), media.mimetype(), media.fileName());
            if (request.replyTo() == null && mentions.isEmpty()) {
                return enqueueMedia(org, idempotencyKey, phone, caption, null, take);
            }
            return replyContext(org, phone, request.replyTo(), mentions)
                    .flatMap(context -> enqueueMedia(org, idempotencyKey, phone, caption, context, take));
        }
        String text = request.text();
        if (text == null || text.isEmpty()) {
            throw ApiException.invalidField("text", "is required");
        }
        io.switchboard.web.SafeText.requireUnicode("text", text);
        if (text.codePointCount(0, text.length()) > MAX_TEXT) {
            throw ApiException.invalidField("text", "must be at most " + MAX_TEXT + " characters");
        }
        if (request.replyTo() == null && mentions.isEmpty()) {
            return accepted(exists(org).flatMap(ignored -> outbox.enqueue(org, idempotencyKey, hash(phone, text), phone, text,
                    WhatsAppClient.newMessageId(), config.queueLimit())));
        }
        String requestHash = hash(phone, text + "\n" + request.replyTo() + "\n" + mentions);
        return accepted(exists(org).flatMap(ignored -> replyContext(org, phone, request.replyTo(), mentions))
                .flatMap(context -> outbox.enqueue(org, idempotencyKey, requestHash, phone, text, null, context,
                        WhatsAppClient.newMessageId(), config.queueLimit())));
    }

    /** The reply context of a message to {@code phone}: the quoted message (of the same chat) and the mentions. */
    private Uni<OutboxStore.OutboundContext> replyContext(UUID org, String phone, String replyTo, List<String> mentions) {
        return (replyTo == null ? Uni.createFrom().<Conversations.Target>nullItem() : conversations.find(org, replyTo))
                .flatMap(target -> {
                    if (target != null && !target.chat().equals(phone)) {
                        throw ApiException.invalidField("replyTo", "is a message of another chat");
                    }
                    return ownJid(org).map(own -> Conversations.reply(target, own, mentions));
                });
    }

    /**
     * A reaction to a message of a chat (received, or one of ours), sent through the outbox like a
     * text; an empty emoji removes ours.
     */
    @POST
    @Path("/{messageId}/reactions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "React to a message", description = "To a received message (its WhatsApp id) or one of ours (id or"
            + " whatsappId): sent once like a text (202 with the reaction as a message of kind reaction, whose statuses follow);"
            + " an empty emoji removes our reaction.")
    @APIResponse(responseCode = "202", description = "Accepted.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = MessageViews.OutboundMessage.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (emoji), `invalid-path-parameter`, `malformed-json`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `message-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "429", description = "`queue-full`.", content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> react(@PathParam("id") String id, @PathParam("messageId") String messageId, ReactionRequest request) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        String emoji = request == null ? null : request.emoji();
        if (emoji == null || emoji.codePointCount(0, emoji.length()) > 10 || emoji.chars().anyMatch(c -> c < 0x80 && c != 0x200d)) {
            throw ApiException.invalidField("emoji", "must be one emoji, or \"\" to remove our reaction");
        }
        io.switchboard.web.SafeText.requireUnicode("emoji", emoji);
        return accepted(exists(org).flatMap(ignored -> conversations.find(org, messageId)).flatMap(target -> outbox.enqueue(org, null,
                hash(target.chat(), "reaction\n" + target.whatsappId() + "\n" + emoji), target.chat(), emoji, null,
                new OutboxStore.OutboundContext("reaction", target.whatsappId(), target.chat().endsWith("@g.us") && !target.fromMe()
                        ? target.participant() : null, target.fromMe(), List.of(), null),
                WhatsAppClient.newMessageId(), config.queueLimit())));
    }

    /** Edits one of our texts within WhatsApp's 15 minutes: the edit is sent through the outbox like a text. */
    @jakarta.ws.rs.PATCH
    @Path("/{messageId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Edit a sent text", description = "Within 15 minutes of its sending (WhatsApp's window): the new text is"
            + " sent as an edit (202 with the edit as a message of kind edit, whose statuses follow).")
    @APIResponse(responseCode = "202", description = "Accepted.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = MessageViews.OutboundMessage.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (text), `invalid-path-parameter`, `malformed-json`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `message-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`edit-window-closed` (sent more than 15 minutes ago), `not-sent-yet`,"
            + " `not-own-message` (received, or not a text).", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "429", description = "`queue-full`.", content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> edit(@PathParam("id") String id, @PathParam("messageId") String messageId, EditRequest request) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        String text = request == null ? null : request.text();
        if (text == null || text.isEmpty() || text.codePointCount(0, text.length()) > MAX_TEXT) {
            throw ApiException.invalidField("text", "must be 1 to " + MAX_TEXT + " characters");
        }
        io.switchboard.web.SafeText.requireUnicode("text", text);
        return accepted(exists(org).flatMap(ignored -> conversations.find(org, messageId)).flatMap(target -> {
            Conversations.requireOwnSent(target, true, Instant.now());
            return outbox.enqueue(org, null, hash(target.chat(), "edit\n" + target.whatsappId() + "\n" + text), target.chat(), text,
                    null, new OutboxStore.OutboundContext("edit", target.whatsappId(), null, true, List.of(), null),
                    WhatsAppClient.newMessageId(), config.queueLimit());
        }));
    }

    /** Deletes one of our messages for everyone within WhatsApp's window: the revoke is sent through the outbox. */
    @jakarta.ws.rs.DELETE
    @Path("/{messageId}")
    @Operation(summary = "Delete a sent message for everyone", description = "Within 60 hours of its sending (WhatsApp's"
            + " window): a revoke is sent (202 with the revoke as a message of kind revoke, whose statuses follow).")
    @APIResponse(responseCode = "202", description = "Accepted.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = MessageViews.OutboundMessage.class)))
    @APIResponse(responseCode = "400", description = "`invalid-path-parameter`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `message-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`revoke-window-closed` (sent more than 60 hours ago), `not-sent-yet`,"
            + " `not-own-message` (a received message, a reaction or an edit).", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "429", description = "`queue-full`.", content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> revoke(@PathParam("id") String id, @PathParam("messageId") String messageId) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        return accepted(exists(org).flatMap(ignored -> conversations.find(org, messageId)).flatMap(target -> {
            Conversations.requireOwnSent(target, false, Instant.now());
            return outbox.enqueue(org, null, hash(target.chat(), "revoke\n" + target.whatsappId()), target.chat(), "", null,
                    new OutboxStore.OutboundContext("revoke", target.whatsappId(), null, true, List.of(), null),
                    WhatsAppClient.newMessageId(), config.queueLimit());
        }));
    }

    /** Read receipts for received messages, sent at once by the replica running the connection. */
    @POST
    @Path("/read")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Mark received messages read", description = "Sends WhatsApp's read receipt (the sender sees blue ticks)"
            + " for the messages named, or for every unread received message of a chat; answers how many.")
    @APIResponse(responseCode = "200", description = "Sent.", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ReadResult.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (ids or chat), `malformed-json`, `invalid-path-parameter`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `message-not-found` (an id is no received message).",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`not-connected`: WhatsApp is not connected for this organization.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<ReadResult> markRead(@PathParam("id") String id, ReadRequest request) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        boolean byIds = request != null && request.ids() != null;
        boolean byChat = request != null && request.chat() != null;
        if (byIds == byChat) {
            throw ApiException.invalidField("ids", "or chat is required (one of them)");
        }
        if (byIds && (request.ids().isEmpty() || request.ids().size() > 50
                || request.ids().stream().anyMatch(one -> one == null || !one.matches("[0-9A-Za-z]{1,64}")))) {
            throw ApiException.invalidField("ids", "must list 1 to 50 WhatsApp message ids");
        }
        String chat = byChat ? phone(request.chat()) : null;
        return exists(org).flatMap(ignored -> received.toRead(org, byIds ? request.ids() : null, chat)).flatMap(byChatIds -> {
            if (byChatIds == null) {
                throw ApiException.notFound("message-not-found", "Some ids are no received message of this organization.");
            }
            Uni<Integer> sent = Uni.createFrom().item(0);
            for (java.util.Map.Entry<String, List<String>> entry : byChatIds.entrySet()) {
                sent = sent.flatMap(count -> reads.markRead(org, entry.getKey(), entry.getValue()).map(done -> count + entry.getValue().size()));
            }
            return sent.onFailure(PhoneReupload.Failed.class).transform(error -> new ApiException(409, "not-connected",
                    error.getMessage())).map(count -> new ReadResult(true, count));
        });
    }

    /** Our own account's JID (for quoting our own messages), from the stored session. */
    private Uni<String> ownJid(UUID org) {
        return sessions.find(org).map(found -> found.map(stored -> stored.record().jid()).filter(jid -> jid != null)
                .map(jid -> jid.substring(0, jid.indexOf('@')).split(":")[0] + jid.substring(jid.indexOf('@'))).orElse(null));
    }

    private static List<String> mentions(List<String> mentions) {
        if (mentions == null) {
            return List.of();
        }
        if (mentions.size() > 50) {
            throw ApiException.invalidField("mentions", "must list at most 50 numbers");
        }
        List<String> phones = new ArrayList<>();
        for (int i = 0; i < mentions.size(); i++) {
            phones.add(PhoneNumbers.digits("mentions[" + i + "]", mentions.get(i)));
        }
        return phones;
    }

    /**
     * A file sent as {@code multipart/form-data}: fields {@code to}, {@code type}, optional
     * {@code caption}, {@code fileName} and {@code mimetype}, and the part {@code file}. The part is
     * read from disk as it is encrypted: no request holds a whole file.
     */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Send a file (multipart)", description = "As sending a text, for a file up to its type's limit"
            + " (WhatsApp's: 16 MB image, video, audio, voice; 100 MB document; 500 KB sticker). Stored, encrypted, before the"
            + " 202; uploaded to WhatsApp's media hosts and sent exactly once by the replica running the connection.")
    @Parameter(name = "Idempotency-Key", in = ParameterIn.HEADER, description = "1 to 255 visible ASCII characters",
            schema = @Schema(type = SchemaType.STRING, maxLength = 255))
    @APIResponse(responseCode = "202", description = "Accepted (queued), or the first message under this Idempotency-Key.",
            headers = @Header(name = "Idempotent-Replayed", description = "true when this answers an earlier request with the"
                    + " same Idempotency-Key", schema = @Schema(type = SchemaType.STRING, enumeration = "true")),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MessageViews.OutboundMessage.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (to, type, file, caption, fileName), `unsupported-media`"
            + " (the bytes are not the type: an image not JPEG/PNG/WebP, a sticker not WebP, a voice note not Ogg/Opus),"
            + " `invalid-idempotency-key`, `invalid-path-parameter`.", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "409", description = "`idempotency-key-reused`: the key came with another body.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "413", description = "`media-too-large` (over the type's limit), `body-too-large`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "429", description = "`queue-full`: the organization has as many messages waiting as allowed.",
            headers = @Header(name = "Retry-After", description = "Seconds", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> sendFile(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String idempotencyKey,
            @org.jboss.resteasy.reactive.RestForm("to") String to, @org.jboss.resteasy.reactive.RestForm("type") String type,
            @org.jboss.resteasy.reactive.RestForm("caption") String caption,
            @org.jboss.resteasy.reactive.RestForm("fileName") String fileName,
            @org.jboss.resteasy.reactive.RestForm("mimetype") String mimetype,
            @org.jboss.resteasy.reactive.RestForm("file") org.jboss.resteasy.reactive.multipart.FileUpload file) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        if (idempotencyKey != null && !KEY.matcher(idempotencyKey).matches()) {
            throw ApiException.badRequest("invalid-idempotency-key", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
        }
        String phone = recipient(to);
        io.switchboard.protocol.media.MediaType kind = MediaIntake.type(type);
        if (file == null || file.uploadedFile() == null) {
            throw ApiException.invalidField("file", "is required (the part holding the file)");
        }
        String shownName = fileName != null ? fileName : kind == io.switchboard.protocol.media.MediaType.DOCUMENT
                ? file.fileName() : null;
        String text = caption(kind, caption);
        return enqueueMedia(org, idempotencyKey, phone, text, null,
                () -> intake.fromFile(org, kind, file.uploadedFile(), mimetype != null ? mimetype
                        : kind == io.switchboard.protocol.media.MediaType.DOCUMENT ? documentType(file.contentType()) : null,
                        shownName));
    }

    /** Takes the file in on a worker thread (it reads and stores it), then enqueues as for a text. */
    private Uni<Response> enqueueMedia(UUID org, String idempotencyKey, String phone, String caption,
            OutboxStore.OutboundContext context, java.util.function.Supplier<MediaIntake.Taken> take) {
        String about = context == null ? "" : "\n" + context.targetId() + "\n" + context.mentions();
        return exists(org).flatMap(ignored -> Uni.createFrom().item(take)
                        .runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool()))
                .flatMap(taken -> accepted(outbox.enqueue(org, idempotencyKey, hash(phone, taken.digest() + "\n"
                                + (caption == null ? "" : caption) + about), phone, caption, taken.media(), context,
                                WhatsAppClient.newMessageId(), config.queueLimit())
                        .call(enqueued -> enqueued.created() ? Uni.createFrom().voidItem() : intake.discard(taken.media()))
                        .onFailure().call(error -> intake.discard(taken.media()).onFailure().recoverWithNull())));
    }

    private Uni<Response> accepted(Uni<OutboxStore.Enqueued> enqueue) {
        return enqueue
                .onFailure(OutboxStore.KeyReused.class).transform(e -> ApiException.conflict("idempotency-key-reused", e.getMessage()))
                .onFailure(OutboxStore.QueueFull.class).transform(e -> new ApiException(429, "queue-full", e.getMessage(), null, 10))
                .map(enqueued -> {
                    Response.ResponseBuilder answer = Response.accepted(outboundView(enqueued.message(), false))
                            .type(MediaType.APPLICATION_JSON_TYPE);
                    if (!enqueued.created()) {
                        answer.header("Idempotent-Replayed", "true");
                    }
                    return answer.build();
                });
    }

    /** A phone number (digits) or a group's jid ({@code …@g.us}, kept as is). */
    private static String recipient(String value) {
        String trimmed = value == null ? "" : value.trim();
        if (trimmed.endsWith("@g.us")) {
            if (!WhatsAppClient.isGroupJid(trimmed)) {
                throw ApiException.invalidField("to", "must be a phone number with its country code (7 to 15 digits), a JID like"
                        + " 15551234567@s.whatsapp.net, or a group id like 120363041234567890@g.us");
            }
            return trimmed;
        }
        return phone(value);
    }

    private static String phone(String value) {
        Matcher to = value == null ? null : TO.matcher(value.trim());
        if (to == null || !to.matches()) {
            throw ApiException.invalidField("to", "must be a phone number with its country code (7 to 15 digits) or a JID"
                    + " like 15551234567@s.whatsapp.net");
        }
        return to.group(1);
    }

    /** A caption: only for images, videos and documents, 1 to 65,536 characters. */
    private static String caption(io.switchboard.protocol.media.MediaType type, String caption) {
        if (caption == null) {
            return null;
        }
        if (type != io.switchboard.protocol.media.MediaType.IMAGE && type != io.switchboard.protocol.media.MediaType.VIDEO
                && type != io.switchboard.protocol.media.MediaType.DOCUMENT) {
            throw ApiException.invalidField("media.caption", "is shown only under an image, video or document");
        }
        if (caption.isEmpty() || caption.codePointCount(0, caption.length()) > MAX_TEXT) {
            throw ApiException.invalidField("media.caption", "must be 1 to " + MAX_TEXT + " characters");
        }
        io.switchboard.web.SafeText.requireUnicode("media.caption", caption);
        return caption;
    }

    private static String documentType(String partType) {
        return partType == null || partType.startsWith("application/octet-stream") ? null : partType.split(";")[0].trim();
    }

    @GET
    @Path("/{messageId}")
    @Operation(summary = "Get a sent text", description = "With its status history; for a group message, each participant's"
            + " delivered and read receipts.")
    @APIResponse(responseCode = "200", description = "The text.", content = @Content(schema = @Schema(implementation =
            MessageViews.OutboundMessage.class)))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `message-not-found`.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<MessageViews.OutboundMessage> one(@PathParam("id") String id, @PathParam("messageId") String messageId) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        UUID message = CanonicalUuid.pathParameter("messageId", messageId);
        return exists(org).flatMap(ignored -> outbox.find(org, message)).flatMap(found -> {
            if (found == null) {
                throw ApiException.notFound("message-not-found", "Message " + message + " does not exist.");
            }
            MessageViews.OutboundMessage view = outboundView(found, true);
            return found.to().endsWith("@g.us") ? outbox.participantReceipts(message).map(view::withReceipts)
                    : Uni.createFrom().item(view);
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
                        page.forEach(item -> items.add(inboundView(org, item)));
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
        return exists(org).flatMap(ignored -> outbox.page(org, beforeTime, beforeId, size)).flatMap(page -> received.reactions(org,
                page.stream().map(OutboxStore.Outbound::whatsappId).filter(java.util.Objects::nonNull).toList()).map(reactions -> {
                    List<MessageViews.OutboundMessage> items = new ArrayList<>();
                    page.forEach(item -> items.add(withReactions(outboundView(item, false), reactions.get(item.whatsappId()))));
                    OutboxStore.Outbound last = page.size() == size ? page.get(page.size() - 1) : null;
                    return new MessageViews.OutboundPage(true, items, last == null ? null
                            : cursorOf(last.createdAt(), last.id().toString()));
                }));
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

    /** The view with the reactions the message has now (reactor phone → emoji), if any. */
    private static MessageViews.OutboundMessage withReactions(MessageViews.OutboundMessage view, java.util.Map<String, String> reactions) {
        if (reactions == null || reactions.isEmpty()) {
            return view;
        }
        return new MessageViews.OutboundMessage(view.success(), view.id(), view.direction(), view.status(), view.to(), view.text(),
                view.whatsappId(), view.createdAt(), view.updatedAt(), view.sentAt(), view.reason(), view.detail(), view.history(),
                view.media(), view.kind(), view.target(), view.reply(), reactions.entrySet().stream()
                        .map(entry -> new MessageViews.Reaction(entry.getKey(), entry.getValue())).toList(), view.receipts());
    }

    private static MessageViews.OutboundMessage outboundView(OutboxStore.Outbound message, boolean withHistory) {
        List<MessageViews.StatusChange> history = null;
        if (withHistory) {
            history = message.history().stream().map(change -> new MessageViews.StatusChange(change.status(), change.at(),
                    change.detail())).toList();
        }
        MessageViews.Media media = null;
        if (message.media() != null) {
            io.vertx.core.json.JsonObject facts = message.media().facts();
            media = new MessageViews.Media(message.media().type().apiName(), facts.getString("mimetype"), facts.getLong("size"),
                    facts.getString("sha256"), message.media().fileName(), message.text(), facts.getInteger("width"),
                    facts.getInteger("height"), facts.getInteger("seconds"));
        }
        OutboxStore.OutboundContext context = message.context();
        boolean reply = context != null && "reply".equals(context.kind());
        return new MessageViews.OutboundMessage(true, message.id(), "out", message.status(),
                message.to().endsWith("@g.us") ? new MessageViews.Party(null, message.to())
                        : new MessageViews.Party(message.to(), message.to() + "@s.whatsapp.net"),
                media != null || "revoke".equals(message.kind()) ? null : message.text(),
                message.whatsappId(), message.createdAt(), message.updatedAt(), message.sentAt(), message.reason(), message.detail(),
                history, media, message.kind(), context == null || reply ? null : context.targetId(),
                reply ? new io.switchboard.events.EventPayloads.Reply(context.targetId(), context.participant(), context.mentions()) : null,
                null, null);
    }

    private static MessageViews.InboundMessage inboundView(UUID org, MessageStore.Received item) {
        String sender = item.message().sender();
        String phone = sender.substring(0, sender.indexOf('@')).split(":")[0];
        io.switchboard.protocol.media.MediaAttachment file = item.message().media();
        MessageViews.ReceivedMedia media = file == null ? null : new MessageViews.ReceivedMedia(file.type().apiName(),
                file.mimetype(), file.fileLength(), Base64.getEncoder().encodeToString(file.fileSha256()), file.fileName(),
                file.caption(), file.width(), file.height(), file.seconds(),
                file.thumbnail() == null ? null : Base64.getEncoder().encodeToString(file.thumbnail()),
                "/api/v1/organizations/" + org + "/whatsapp/messages/" + item.message().id() + "/media");
        io.switchboard.protocol.client.InboundMessage message = item.message();
        List<MessageViews.Reaction> reactions = item.later().reactions().entrySet().stream()
                .map(entry -> new MessageViews.Reaction(entry.getKey(), entry.getValue())).toList();
        return new MessageViews.InboundMessage(message.id(), "in", new MessageViews.Party(phone, sender),
                message.chat(), file == null ? message.text() : null, message.sentAt(), item.receivedAt(), media, message.kind(),
                io.switchboard.events.EventPayloads.reply(message.reply()), io.switchboard.events.EventPayloads.location(message),
                io.switchboard.events.EventPayloads.contacts(message), io.switchboard.events.EventPayloads.poll(message),
                io.switchboard.events.EventPayloads.unsupportedFields(message), reactions.isEmpty() ? null : reactions,
                item.later().editedAt(), item.later().deletedAt());
    }

    /**
     * The bytes of a received file: downloaded from WhatsApp's media host, its hashes and MAC
     * verified and decrypted before the first byte is answered, then streamed from a temporary file
     * that is deleted when the answer ends.
     */
    @GET
    @Path("/{messageId}/media")
    @Produces(MediaType.WILDCARD)
    @Operation(summary = "Download a received file", description = "The file of a received media message (its WhatsApp id, as"
            + " listed with direction=in), verified (both hashes and the MAC) and decrypted before anything is answered;"
            + " Content-Type is the sender's mimetype.")
    @APIResponse(responseCode = "200", description = "The file.", content = @Content(mediaType = "*/*",
            schema = @Schema(type = SchemaType.STRING, format = "binary")),
            headers = @Header(name = "Content-Disposition", description = "attachment, with the file name when the sender gave one",
                    schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "404", description = "`organization-not-found`, `message-not-found`, `media-not-found` (a"
            + " text).", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "502", description = "`media-corrupt` (the file is not what the message says: hash or MAC),"
            + " `media-download-failed` (the media host failed).", content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "504", description = "`media-unavailable`: the media host no longer has the file (403, 404, 410)"
            + " and the phone, asked to upload it again (the media retry), did not within switchboard.media.retry-timeout: it is"
            + " offline, no longer has the file, or the connection is down.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> media(@PathParam("id") String id, @PathParam("messageId") String messageId,
            @jakarta.ws.rs.core.Context io.vertx.core.http.HttpServerResponse http) {
        UUID org = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(org);
        if (messageId == null || !messageId.matches("[0-9A-Za-z]{1,64}")) {
            throw ApiException.badRequest("invalid-path-parameter", "messageId must be a WhatsApp message id (letters and digits).");
        }
        return exists(org).flatMap(ignored -> received.receivedMessage(org, messageId)).flatMap(found -> {
            if (found == null) {
                throw ApiException.notFound("message-not-found", "No received message " + messageId + ".");
            }
            if (found.media() == null) {
                throw ApiException.notFound("media-not-found", io.switchboard.protocol.media.MediaType.ofApiName(found.kind()) != null
                        ? "Message " + messageId + " was deleted for everyone: its file is gone."
                        : "Message " + messageId + " is a " + found.kind() + ": it has no file.");
            }
            io.switchboard.protocol.media.MediaAttachment file = found.media();
            // A kept copy first (switchboard.media.keep-received), else the media host.
            return received.keptBlob(org, messageId).flatMap(blobId -> blobId == null ? fromHost(org, messageId, file)
                    : blobs.restore(blobId, temporary()).flatMap(kept -> Uni.createFrom().completionStage(() -> downloads.open(kept,
                            file, temporary()).toCompletionStage()).eventually(() -> kept.toFile().delete())))
                    .onFailure().transform(MessagesResource::downloadProblem)
                    .map(path -> {
                        Runnable delete = () -> path.toFile().delete();
                        http.endHandler(v -> delete.run());
                        http.closeHandler(v -> delete.run());
                        Response.ResponseBuilder answer = Response.ok(path.toFile()).type(file.mimetype() == null
                                ? "application/octet-stream" : file.mimetype());
                        String name = file.fileName() != null ? file.fileName() : null;
                        answer.header("Content-Disposition", name == null ? "attachment"
                                : "attachment; filename=\"" + name.replaceAll("[^A-Za-z0-9._ -]", "_") + "\"; filename*=UTF-8''"
                                        + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"));
                        return answer.build();
                    });
        });
    }

    /** From the media host; when it no longer has the file, the phone is asked to upload it again, then the new upload is fetched. */
    private Uni<java.nio.file.Path> fromHost(UUID org, String messageId, io.switchboard.protocol.media.MediaAttachment file) {
        return download(file).onFailure(MessagesResource::gone).recoverWithUni(gone -> reupload.reupload(org, messageId)
                .onFailure(PhoneReupload.Failed.class).transform(error -> new ApiException(504, "media-unavailable",
                        "The media host no longer has the file (HTTP " + status(gone) + ") and asking the phone to upload it again"
                                + " failed: " + error.getMessage() + " (" + ((PhoneReupload.Failed) error).reason() + ")"))
                .flatMap(ignored -> received.receivedMessage(org, messageId))
                .flatMap(moved -> download(moved.media())));
    }

    private static int status(Throwable gone) {
        Throwable cause = gone instanceof java.util.concurrent.CompletionException && gone.getCause() != null ? gone.getCause() : gone;
        return cause instanceof MediaDownloader.HostAnswered answered ? answered.status() : 0;
    }

    private static java.nio.file.Path temporary() {
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
    }

    private Uni<java.nio.file.Path> download(io.switchboard.protocol.media.MediaAttachment file) {
        return Uni.createFrom().completionStage(() -> downloads.download(file, temporary()).toCompletionStage());
    }

    private static boolean gone(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof MediaDownloader.HostAnswered answered && answered.gone();
    }

    private static Throwable downloadProblem(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof io.switchboard.protocol.media.MediaDownloader.HostAnswered answered) {
            return answered.gone() ? new ApiException(504, "media-unavailable", "The media host no longer has the file (HTTP "
                    + answered.status() + "), not even after the phone uploaded it again.")
                    : new ApiException(502, "media-download-failed", "The media host answered HTTP " + answered.status() + ".");
        }
        if (cause instanceof io.switchboard.protocol.media.MediaDecryptor.CorruptMediaException) {
            return new ApiException(502, "media-corrupt", "The file is not the one the message describes: " + cause.getMessage()
                    + ". Nothing of it was answered.");
        }
        if (cause instanceof ApiException) {
            return cause;
        }
        return new ApiException(502, "media-download-failed", "The file could not be downloaded: " + cause.getMessage());
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
