package io.switchboard.session.rest;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.switchboard.security.TenantAccess;
import io.switchboard.session.PairingCodeView;
import io.switchboard.session.SessionCommand;
import io.switchboard.session.SessionConfig;
import io.switchboard.session.SessionNotice;
import io.switchboard.events.EventPayloads;
import io.switchboard.session.SessionRefused;
import io.switchboard.session.SessionSnapshot;
import io.switchboard.session.SessionState;
import io.switchboard.session.SessionSupervisor;
import io.switchboard.session.store.SessionStore;
import io.switchboard.web.ApiException;
import io.switchboard.web.CanonicalUuid;
import io.vertx.core.Vertx;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.UUID;
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
 * The WhatsApp lifecycle of one organization, drop-in compatible with the Node service it
 * replaces: init, reconnect, QR code (also as a stream), status, disconnect. Any replica answers:
 * commands reach the replica that runs the connection, reads come from the database.
 */
@Path("/api/v1/organizations/{id}/whatsapp")
@Authenticated
@SecurityRequirement(name = "SecurityScheme")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "WhatsApp connection")
public class WhatsAppResource {

    static final int RETRY_IN_MILLIS = 3000;
    /** The event streams' safety net: they read when an event is written (LISTEN), and at least this often. */
    static final long EVENT_POLL_MILLIS = 5000;

    private final SessionSupervisor supervisor;
    private final SessionStore store;
    private final TenantAccess access;
    private final SessionConfig config;
    private final StreamGate streams;
    private final StreamConfig streamConfig;
    private final Vertx vertx;
    private final io.switchboard.events.EventNotices eventNotices;
    private final io.switchboard.events.EventStore events;

    private final LinkingBudget budget;

    WhatsAppResource(SessionSupervisor supervisor, SessionStore store, TenantAccess access, SessionConfig config,
            StreamGate streams, StreamConfig streamConfig, Vertx vertx, io.switchboard.events.EventStore events,
            io.switchboard.events.EventNotices eventNotices, LinkingBudget budget) {
        this.budget = budget;
        this.events = events;
        this.eventNotices = eventNotices;
        this.supervisor = supervisor;
        this.store = store;
        this.access = access;
        this.config = config;
        this.streams = streams;
        this.streamConfig = streamConfig;
        this.vertx = vertx;
    }

    @POST
    @Path("/init-baileys")
    @Operation(summary = "Start linking a number (QR)", description = "Links from scratch: a device linked before is"
            + " unlinked, a fresh QR drawn. Scan it with WhatsApp on the phone (Linked devices → Link a device).")
    @APIResponse(responseCode = "200", description = "The QR code.", content = @Content(schema = @Schema(implementation =
            QrResponse.class)))
    @APIResponse(responseCode = "202", description = "Not ready yet: ask again (GET qrcode) after retryIn ms.",
            headers = @Header(name = "Retry-After", description = "Seconds", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(schema = @Schema(implementation = ConnectionViews.RetryLater.class)))
    @APIResponse(responseCode = "400", description = "`already-connected`, `reconnecting` (a linked device is logging in),"
            + " `linking-failed`, `client-outdated`, `no-linking-in-progress`, `invalid-path-parameter`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "429", description = "`rate-limited`: past the organization's linking budget, or"
            + " commands already pending.", headers = @Header(name = "Retry-After", description = "Seconds",
            schema = @Schema(type = SchemaType.INTEGER)), content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> init(@PathParam("id") String id) {
        // The stored state answers the common refusal at once; the replica running the connection checks again.
        return organization(id).flatMap(org -> supervisor.snapshot(org).flatMap(before -> {
            if (before.record().state() == SessionState.CONNECTED) {
                return Uni.createFrom().failure(ApiException.badRequest("already-connected", SessionRefused.alreadyConnected()
                        .getMessage()));
            }
            return budget.take(org, null).chain(() -> command(org, SessionCommand.LINK)).flatMap(ignored -> qrOrRetry(org));
        }));
    }

    /** Body of POST …/pairing-code: the phone that will type the code, E.164 digits ("+" allowed). */
    public record PairingCodeRequest(String phoneNumber) {
    }

    /**
     * Link by a code typed on the phone (WhatsApp → Linked devices → Link with phone number)
     * instead of a QR scan: 200 with the code, 202 while the connection comes up, 400 when connected.
     */
    @POST
    @Path("/pairing-code")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Link by a code typed on the phone", description = "Instead of a QR: WhatsApp → Linked devices →"
            + " Link a device → Link with phone number instead, then type the code. Asking again for the same number keeps"
            + " its code.")
    @APIResponse(responseCode = "200", description = "The code.", content = @Content(schema = @Schema(implementation =
            ConnectionViews.PairingCodeAnswer.class)))
    @APIResponse(responseCode = "202", description = "Not ready yet: ask again (GET qrcode) after retryIn ms.",
            headers = @Header(name = "Retry-After", description = "Seconds", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(schema = @Schema(implementation = ConnectionViews.RetryLater.class)))
    @APIResponse(responseCode = "400", description = "`invalid-body` (phoneNumber not E.164), `already-connected`, `reconnecting` (a"
            + " linked device is logging in), `linking-failed`, `client-outdated`, `no-linking-in-progress`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "429", description = "`rate-limited`: past the organization's linking budget, or"
            + " commands already pending.", headers = @Header(name = "Retry-After", description = "Seconds",
            schema = @Schema(type = SchemaType.INTEGER)), content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> pairingCode(@PathParam("id") String id, PairingCodeRequest request) {
        String phone = phoneNumber(request);
        return organization(id).flatMap(org -> supervisor.snapshot(org).flatMap(before -> {
            if (before.record().state() == SessionState.CONNECTED) {
                return Uni.createFrom().failure(ApiException.badRequest("already-connected", SessionRefused.alreadyConnected()
                        .getMessage()));
            }
            return budget.take(org, phone).chain(() -> command(org, SessionCommand.linkCode(phone)))
                    .flatMap(ignored -> supervisor.awaitPairingCode(org, phone, config.qrWait()))
                    .map(snapshot -> codeAnswer(snapshot, phone));
        }));
    }

    static String phoneNumber(PairingCodeRequest request) {
        if (request == null || request.phoneNumber() == null) {
            throw ApiException.invalidField("phoneNumber", "is required");
        }
        String raw = request.phoneNumber().trim();
        String digits = raw.startsWith("+") ? raw.substring(1) : raw;
        if (!SessionCommand.PHONE.matcher(digits).matches()) {
            throw ApiException.invalidField("phoneNumber", "must be an E.164 number: country code first, 7 to 15 digits,"
                    + " optionally after '+'");
        }
        return digits;
    }

    private Response codeAnswer(SessionSnapshot snapshot, String phone) {
        PairingCodeView code = snapshot.qr() == null ? null : PairingCodeView.of(snapshot.qr().linkCode());
        if (code != null && code.phoneNumber().equals(phone)) {
            return Response.ok(new ConnectionViews.PairingCodeAnswer(true, code.code(), code.phoneNumber(), code.expiresAt(),
                    "On the phone: WhatsApp → Linked devices → Link a device → Link with phone number instead, then type this"
                            + " code.")).build();
        }
        if (snapshot.qr() != null) {
            return Response.accepted(new ConnectionViews.RetryLater(true, "The code is being generated; retry shortly.",
                    RETRY_IN_MILLIS)).header("Retry-After", RETRY_IN_MILLIS / 1000).build();
        }
        return qrAnswer(snapshot);
    }

    @POST
    @Path("/reconnect")
    @Operation(summary = "Reconnect", description = "Connected stays connected; a linked device logs in again (200 with"
            + " the status); otherwise linking starts as init-baileys does (200 with the QR, or 202). A disconnected"
            + " organization can always reconnect.")
    @APIResponse(responseCode = "200", description = "The status (a linked device) or the QR code (linking).",
            content = @Content(schema = @Schema(oneOf = {StatusView.class, QrResponse.class})))
    @APIResponse(responseCode = "202", description = "Not ready yet: ask again (GET qrcode) after retryIn ms.",
            headers = @Header(name = "Retry-After", description = "Seconds", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(schema = @Schema(implementation = ConnectionViews.RetryLater.class)))
    @APIResponse(responseCode = "400", description = "`already-connected`, `reconnecting` (a linked device is logging in),"
            + " `linking-failed`, `client-outdated`, `no-linking-in-progress`, `invalid-path-parameter`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "429", description = "`rate-limited`: past the organization's linking budget, or"
            + " commands already pending.", headers = @Header(name = "Retry-After", description = "Seconds",
            schema = @Schema(type = SchemaType.INTEGER)), content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> reconnect(@PathParam("id") String id) {
        return organization(id).flatMap(org -> supervisor.snapshot(org)
                .flatMap(before -> before.record().state() == SessionState.CONNECTED ? Uni.createFrom().item(before)
                        : command(org, SessionCommand.RECONNECT))
                .flatMap(after -> afterReconnect(org, after)));
    }

    private Uni<Response> afterReconnect(UUID org, SessionSnapshot after) {
        if (after.hasCredentials() || after.record().state() == SessionState.CONNECTED) {
            return Uni.createFrom().item(Response.ok(StatusView.of(after)).build());
        }
        return qrOrRetry(org);
    }

    @GET
    @Path("/qrcode")
    @Operation(summary = "The QR code being shown", description = "Any replica answers; QR codes rotate about every 20 s.")
    @APIResponse(responseCode = "200", description = "The QR code.", content = @Content(schema = @Schema(implementation =
            QrResponse.class)))
    @APIResponse(responseCode = "202", description = "Not ready yet: ask again (GET qrcode) after retryIn ms.",
            headers = @Header(name = "Retry-After", description = "Seconds", schema = @Schema(type = SchemaType.INTEGER)),
            content = @Content(schema = @Schema(implementation = ConnectionViews.RetryLater.class)))
    @APIResponse(responseCode = "400", description = "`already-connected`, `reconnecting` (a linked device is logging in),"
            + " `linking-failed`, `client-outdated`, `no-linking-in-progress`, `invalid-path-parameter`.",
            content = @Content(mediaType = "application/problem+json"))
    public Uni<Response> qrcode(@PathParam("id") String id) {
        return organization(id).flatMap(supervisor::snapshotWithImage).map(this::qrAnswer);
    }

    /**
     * QR codes as they rotate, then connected or failed. Bounded: a cap per organization and per
     * caller, a heartbeat comment every {@code switchboard.streams.heartbeat}, and it ends when
     * the caller's token expires (a member removed from an organization gets no new token for it).
     */
    @GET
    @Path("/qrcode/stream")
    @Operation(summary = "QR codes as they rotate (Server-Sent Events)", description = "Unnamed events (SSE `message`)"
            + " whose data is a SessionNotice: `{\"type\":\"qr\", …}` for each QR (and when a pairing code is added), then"
            + " `{\"type\":\"connected\"}` or `{\"type\":\"failed\"}`, after which the stream ends; a `: heartbeat` comment"
            + " every 15 s; ends when the token expires.")
    @APIResponse(responseCode = "200", description = "The stream: each event's data is a SessionNotice.",
            content = @Content(mediaType = "text/event-stream", schema = @Schema(implementation = SessionNotice.class)))
    @APIResponse(responseCode = "429", description = "`too-many-streams`.", content = @Content(mediaType = "application/problem+json"))
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> qrcodeStream(@PathParam("id") String id, @Context Sse sse) {
        // Refusals (400, 403, 429) come before the stream starts, while they can still be a status code.
        UUID organizationId = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(organizationId);
        Runnable close = streams.open(organizationId, access.scope().subject() == null ? "?" : access.scope().subject());
        return organization(id).onItem().transformToMulti(org -> {
            long expires = access.expiresAt();
            long lifetime = expires <= 0 ? Long.MAX_VALUE : Math.max(1, expires * 1000 - System.currentTimeMillis());
            return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
                Cancellable notices = supervisor.notices(org).subscribe().with(
                        notice -> emitter.emit(sse.newEventBuilder().data(SessionNotice.class, notice)
                                .mediaType(MediaType.APPLICATION_JSON_TYPE).build()),
                        emitter::fail, emitter::complete);
                long heartbeat = vertx.setPeriodic(streamConfig.heartbeat().toMillis(),
                        t -> emitter.emit(sse.newEventBuilder().comment("heartbeat").build()));
                long end = lifetime == Long.MAX_VALUE ? -1 : vertx.setTimer(lifetime, t -> emitter.complete());
                emitter.onTermination(() -> {
                    notices.cancel();
                    vertx.cancelTimer(heartbeat);
                    vertx.cancelTimer(end);
                });
            });
        }).onTermination().invoke(close);
    }

    /**
     * The organization's events as Server-Sent Events, on any replica: each webhook event type
     * ({@code session.state_changed}, {@code session.qr}, {@code message.received},
     * {@code message.status}) as an SSE event of that name whose data is the webhook body and
     * whose id is the event's position in the organization's commit order; {@code Last-Event-ID} resumes after it. Read from
     * the event log (every 500 ms), bounded like the QR stream.
     */
    @GET
    @Path("/events")
    @Operation(summary = "The organization's events (Server-Sent Events)", description = "Each SSE event's `event` name is"
            + " the event's type (`session.state_changed`, `session.qr`, `message.received`, `message.status`,"
            + " `message.reaction`, `message.edited`, `message.deleted`, `presence.updated`, `group.created`, `group.joined`,"
            + " `group.updated`, `group.participants`, `group.left`), its `data`"
            + " the WebhookEvent a webhook receives, its `id` the event's position in the organization's commit order;"
            + " `Last-Event-ID` resumes after it. A `: heartbeat` comment every 15 s; ends when the token expires.")
    @Tag(name = "Events")
    @Parameter(name = "Last-Event-ID", in = ParameterIn.HEADER, description = "Resume after this event id",
            schema = @Schema(type = SchemaType.STRING, pattern = "[0-9]{1,18}"))
    @APIResponse(responseCode = "200", description = "The stream: each event's data is a WebhookEvent, as webhooks receive it.",
            content = @Content(mediaType = "text/event-stream", schema = @Schema(implementation = EventPayloads.Envelope.class)))
    @APIResponse(responseCode = "400", description = "`invalid-last-event-id`, `invalid-path-parameter`.",
            content = @Content(mediaType = "application/problem+json"))
    @APIResponse(responseCode = "429", description = "`too-many-streams`.", content = @Content(mediaType = "application/problem+json"))
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> eventStream(@PathParam("id") String id, @jakarta.ws.rs.HeaderParam("Last-Event-ID") String last,
            @Context Sse sse) {
        UUID organizationId = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(organizationId);
        if (last != null && !last.matches("[0-9]{1,18}")) {
            throw ApiException.badRequest("invalid-last-event-id", "Last-Event-ID must be an id this stream gave.");
        }
        Runnable close = streams.open(organizationId, access.scope().subject() == null ? "?" : access.scope().subject());
        return organization(id).flatMap(org -> last != null ? Uni.createFrom().item(Long.parseLong(last)) : events.latest(org))
                .onItem().transformToMulti(start -> {
                    long expires = access.expiresAt();
                    long lifetime = expires <= 0 ? Long.MAX_VALUE : Math.max(1, expires * 1000 - System.currentTimeMillis());
                    return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
                        EventReader reader = new EventReader(organizationId, start, sse, emitter);
                        long poll = vertx.setPeriodic(EVENT_POLL_MILLIS, t -> reader.read());
                        Runnable stopListening = eventNotices.listen(organizationId, () -> vertx.runOnContext(ignored -> reader.read()));
                        // What was written before the stream opened (a resumed Last-Event-ID) comes at once, not at the first poll.
                        reader.read();
                        long heartbeat = vertx.setPeriodic(streamConfig.heartbeat().toMillis(),
                                t -> emitter.emit(sse.newEventBuilder().comment("heartbeat").build()));
                        long end = lifetime == Long.MAX_VALUE ? -1 : vertx.setTimer(lifetime, t -> emitter.complete());
                        emitter.onTermination(() -> {
                            stopListening.run();
                            vertx.cancelTimer(poll);
                            vertx.cancelTimer(heartbeat);
                            vertx.cancelTimer(end);
                        });
                    });
                }).onTermination().invoke(close);
    }

    /** One step of the session's history, as the console's timeline shows it. */
    public record TransitionView(String from, String to, String event, @Schema(nullable = true) String reason,
            @Schema(nullable = true) Integer code, @Schema(nullable = true) String at) {
    }

    /** The session's transitions, newest first ({@code limit} 1–200, default 50). */
    @GET
    @Path("/transitions")
    @Operation(summary = "The session's history", description = "State transitions, newest first (limit 1–200, default 50).")
    @Parameter(name = "limit", in = ParameterIn.QUERY, schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "200"))
    @APIResponse(responseCode = "200", description = "Transitions.", content = @Content(schema = @Schema(implementation =
            ConnectionViews.TransitionPage.class)))
    public Uni<ConnectionViews.TransitionPage> transitions(@PathParam("id") String id, @jakarta.ws.rs.QueryParam("limit") String limit) {
        int size = io.switchboard.web.PageLimit.of(limit);
        return organization(id).flatMap(org -> store.transitions(org, size)).map(list -> new ConnectionViews.TransitionPage(list.stream()
                .map(t -> new TransitionView(t.from().name(), t.to().name(), t.event().name(), t.reason(), t.code(),
                        t.at() == null ? null : t.at().toString())).toList()));
    }

    @GET
    @Path("/status")
    @Operation(summary = "The connection's status", description = "The old service's fields (isConnected, canReconnect, …)"
            + " and the precise state. One indexed query: fit for polling.")
    @APIResponse(responseCode = "200", description = "The status.", content = @Content(schema = @Schema(implementation =
            StatusView.class)))
    public Uni<StatusView> status(@PathParam("id") String id) {
        UUID organizationId = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(organizationId);
        // One indexed query: the organization and its session together (dashboards poll this).
        return supervisor.snapshotIfOrganization(organizationId).map(found -> StatusView.of(found.orElseThrow(
                () -> organizationNotFound(organizationId))));
    }

    @DELETE
    @Path("/disconnect")
    @Operation(summary = "Disconnect", description = "Unlinks the device from WhatsApp and forgets its credentials; the"
            + " organization can link a number again.")
    @APIResponse(responseCode = "200", description = "Disconnected.", content = @Content(schema = @Schema(implementation =
            ConnectionViews.Disconnected.class)))
    @APIResponse(responseCode = "429", description = "`rate-limited`: past the organization's linking budget, or"
            + " commands already pending.", headers = @Header(name = "Retry-After", description = "Seconds",
            schema = @Schema(type = SchemaType.INTEGER)), content = @Content(mediaType = "application/problem+json"))
    public Uni<ConnectionViews.Disconnected> disconnect(@PathParam("id") String id) {
        return organization(id).flatMap(org -> command(org, SessionCommand.DISCONNECT)).map(snapshot -> new ConnectionViews
                .Disconnected(true, "WhatsApp disconnected; the organization can link a number again.", StatusView.of(snapshot)));
    }

    private Uni<SessionSnapshot> command(UUID organizationId, SessionCommand command) {
        return supervisor.execute(organizationId, command).onFailure(SessionRefused.class).transform(error -> {
            SessionRefused refused = (SessionRefused) error;
            if ("rate-limited".equals(refused.reason())) {
                return new ApiException(429, refused.reason(), refused.getMessage(), null, 2);
            }
            return refused.unavailable() ? new ApiException(503, refused.reason(), refused.getMessage())
                    : ApiException.badRequest(refused.reason(), refused.getMessage());
        });
    }

    private Uni<Response> qrOrRetry(UUID organizationId) {
        return supervisor.awaitQr(organizationId, config.qrWait()).map(this::qrAnswer);
    }

    private Response qrAnswer(SessionSnapshot snapshot) {
        if (snapshot.qr() != null) {
            return Response.ok(QrResponse.of(snapshot.qr())).build();
        }
        SessionState state = snapshot.record().state();
        if (state == SessionState.CONNECTING && snapshot.hasCredentials()) {
            // A linked device logging in again shows no QR.
            state = SessionState.RECONNECTING;
        }
        switch (state) {
            case CONNECTING:
            case AWAITING_QR:
                return Response.accepted(new ConnectionViews.RetryLater(true, "The QR code is being generated; retry shortly.",
                        RETRY_IN_MILLIS)).header("Retry-After", RETRY_IN_MILLIS / 1000).build();
            case CONNECTED:
                throw ApiException.badRequest("already-connected", "WhatsApp is already connected; no QR code is needed.");
            case PAIRED_RESTARTING:
            case RECONNECTING:
                throw ApiException.badRequest("reconnecting",
                        "The linked device is reconnecting; no QR code is needed. Check the status.");
            case FAILED:
            case CLIENT_OUTDATED:
                throw ApiException.badRequest(state == SessionState.FAILED ? "linking-failed" : "client-outdated",
                        "Linking failed (" + snapshot.record().lastDisconnectReason() + "). Call reconnect to try again.");
            default:
                throw ApiException.badRequest("no-linking-in-progress",
                        "No linking is in progress. Call POST …/whatsapp/reconnect (or init-baileys) to get a new QR code.");
        }
    }

    /** Authorizes first (403 looks the same whether the organization exists), then checks it exists. */
    private Uni<UUID> organization(String id) {
        UUID organizationId = CanonicalUuid.pathParameter("id", id);
        access.requireOrganization(organizationId);
        return store.organizationExists(organizationId).map(exists -> {
            if (!exists) {
                throw organizationNotFound(organizationId);
            }
            return organizationId;
        });
    }

    private static ApiException organizationNotFound(UUID organizationId) {
        return ApiException.notFound("organization-not-found", "Organization " + organizationId + " does not exist.");
    }

    /**
     * One event stream's reader: the events after its cursor, in commit order, emitted as they are
     * read. One read at a time; a wake-up during a read makes one more read after it.
     */
    private final class EventReader {

        private final UUID organizationId;
        private final Sse sse;
        private final io.smallrye.mutiny.subscription.MultiEmitter<? super OutboundSseEvent> emitter;
        private long cursor;
        private boolean reading;
        private boolean again;

        EventReader(UUID organizationId, long cursor, Sse sse,
                io.smallrye.mutiny.subscription.MultiEmitter<? super OutboundSseEvent> emitter) {
            this.organizationId = organizationId;
            this.cursor = cursor;
            this.sse = sse;
            this.emitter = emitter;
        }

        synchronized void read() {
            if (reading) {
                again = true;
                return;
            }
            reading = true;
            again = false;
            events.after(organizationId, cursor, 100).subscribe().with(found -> {
                for (io.switchboard.events.EventStore.Event event : found) {
                    emitter.emit(sse.newEventBuilder().id(String.valueOf(event.position())).name(event.type())
                            .data(event.body()).build());
                    cursor = event.position();
                }
                done(found.size() == 100);
            }, error -> done(false));
        }

        private void done(boolean more) {
            boolean next;
            synchronized (this) {
                reading = false;
                next = (again || more) && !emitter.isCancelled();
            }
            if (next) {
                read();
            }
        }
    }
}
