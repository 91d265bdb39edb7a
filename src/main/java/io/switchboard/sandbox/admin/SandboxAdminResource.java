package io.switchboard.sandbox.admin;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.switchboard.sandbox.server.LinkedDevice;
import io.switchboard.sandbox.server.SandboxException;
import io.switchboard.sandbox.server.SandboxServer;
import io.switchboard.sandbox.server.Transcript;
import io.switchboard.sandbox.server.WebVersionPolicy;
import io.switchboard.security.TenantAccess;
import io.switchboard.web.ApiException;
import io.vertx.core.Future;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/** Admin API of the sandbox: scan QR codes, list, disconnect, drop and unlink devices, play version bumps. */
@Path("/sandbox/v1")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Sandbox")
@SecurityRequirement(name = "SecurityScheme")
public class SandboxAdminResource {

    /** The sandbox's trust root (base64 of its Curve25519 public key): the client's {@code trust-root}. */
    public record TrustRoot(String publicKey) {
    }

    /** The WhatsApp id of a text a phone wrote. */
    public record Written(String id) {
    }

    /** How many texts were read. */
    public record ReadCount(int read) {
    }


    static final Duration SCAN_TIMEOUT = Duration.ofSeconds(15);

    public record ScanRequest(String qr, String phone) {
    }

    public record ScanResult(String jid, String deviceJid, String lid) {
    }

    public record PairCodeRequest(String phone, String code) {
    }

    public record DisconnectRequest(Integer code) {
    }

    /** Every field optional: {@code minimum} refused below (405), {@code latest} served in sw.js, {@code published}. */
    /** A text ({@code text}) or a file ({@code media}) the phone sends. */
    public record PhoneMessageRequest(String to, String text, PhoneFile media) {
    }

    /** A file the phone sends: the bytes in base64, what it is. */
    public record PhoneFile(@Schema(enumeration = {"image", "video", "audio", "voice", "document", "sticker"}) String type,
            String data, String mimetype, String caption, String fileName) {
    }

    public record PhoneMessages(List<io.switchboard.sandbox.server.PhoneParty.Received> received,
            List<io.switchboard.sandbox.server.PhoneParty.Sent> sent) {
    }

    public record FaultRequest(String phone, String kind, Integer count) {
    }

    public record WebVersionRequest(String minimum, String latest, Boolean published) {
    }

    private final SandboxMount mount;
    private final TenantAccess access;

    SandboxAdminResource(SandboxMount mount, TenantAccess access) {
        this.mount = mount;
        this.access = access;
    }

    @Operation(summary = "The phone scans a QR (links the device showing it)")
    @POST
    @Path("/scan")
    public Uni<ScanResult> scan(ScanRequest request) {
        SandboxServer server = server();
        if (request == null || request.qr() == null || request.phone() == null) {
            throw ApiException.badRequest("invalid-body", "Body must be {\"qr\": \"...\", \"phone\": \"...\"}.");
        }
        return uni(server.scan(request.qr(), request.phone()))
                .ifNoItem().after(SCAN_TIMEOUT).failWith(() -> new ApiException(504, "scan-timeout",
                        "The device did not confirm the pairing in time."))
                .map((LinkedDevice device) -> new ScanResult(device.phone() + "@s.whatsapp.net", device.deviceJid(), device.lid()));
    }

    /** The phone {@code phone} types a link code; answers once the device confirmed (409 for a wrong code). */
    @Operation(summary = "The phone types a pairing code")
    @POST
    @Path("/pair-code")
    public Uni<ScanResult> pairCode(PairCodeRequest request) {
        SandboxServer server = server();
        if (request == null || request.code() == null || request.phone() == null) {
            throw ApiException.badRequest("invalid-body", "Body must be {\"phone\": \"...\", \"code\": \"ABCD-EFGH\"}.");
        }
        return uni(server.typeCode(request.phone(), request.code()))
                .ifNoItem().after(SCAN_TIMEOUT).failWith(() -> new ApiException(504, "pairing-timeout",
                        "The device did not confirm the pairing in time."))
                .map((LinkedDevice device) -> new ScanResult(device.phone() + "@s.whatsapp.net", device.deviceJid(), device.lid()));
    }

    @Operation(summary = "The sandbox's trust root (the client's trust-root setting)")
    @GET
    @Path("/trust-root")
    public TrustRoot trustRoot() {
        return new TrustRoot(Base64.getEncoder().encodeToString(server().trustRoot()));
    }

    /** The media host's certificate, to trust it (Node: {@code NODE_EXTRA_CA_CERTS}). */
    public record MediaCertificateView(String certificate, String host) {
    }

    /** A file by its direct path, or every file a phone's devices uploaded, or (neither) every file. */
    public record ExpireRequest(String directPath, String phone) {
    }

    public record PhoneFiles(String phone) {
    }

    public record Corrupted(int corrupted) {
    }

    public record Expired(int expired) {
    }

    @Operation(summary = "The media host's self-signed certificate (trust it to upload and download media)")
    @GET
    @Path("/media-ca")
    public MediaCertificateView mediaCertificate() {
        SandboxServer server = server();
        return new MediaCertificateView(server.media().certificatePem(), server.media().hostname());
    }

    /** WhatsApp forgot a file (or every file): downloads of it answer 404 until it is uploaded again. */
    @Operation(summary = "The media host forgets a file (or every file): its downloads answer 404")
    @POST
    @Path("/media/expire")
    public Expired expireMedia(ExpireRequest request) {
        if (request != null && request.phone() != null) {
            return new Expired(server().media().expireFrom(request.phone()));
        }
        return new Expired(server().media().expire(request == null ? null : request.directPath()));
    }

    /** The media host damages the files a phone's devices uploaded: one byte flipped in each. */
    @Operation(summary = "The media host damages a phone's files (one byte flipped in each)")
    @POST
    @Path("/media/corrupt")
    public Corrupted corruptMedia(PhoneFiles request) {
        if (request == null || request.phone() == null) {
            throw ApiException.badRequest("invalid-body", "Body must be {\"phone\": \"...\"}.");
        }
        return new Corrupted(server().media().corruptFrom(request.phone()));
    }

    public record PhoneFilesDeleted(String phone, Boolean deleted) {
    }

    /**
     * The person deletes the files on a phone (or gets them back): the phone then answers media
     * retries for them "not found", as a phone that no longer has a file does.
     */
    @Operation(summary = "A phone's files are deleted (media retries answered not found) or restored")
    @POST
    @Path("/media/phone-files")
    public PhoneFilesDeleted phoneFilesDeleted(PhoneFilesDeleted request) {
        if (request == null || request.phone() == null || request.deleted() == null) {
            throw ApiException.badRequest("invalid-body", "Body must be {\"phone\": \"...\", \"deleted\": true|false}.");
        }
        if (!server().router().phoneFilesDeleted(request.phone(), request.deleted())) {
            throw ApiException.notFound("unknown-phone", request.phone() + " is not an account of the sandbox.");
        }
        return request;
    }

    /** What clients sent on their last 100 closed connections, as shapes (ids, keys and jids left out). */
    @Operation(summary = "Stanza transcripts of logins, for comparing with Baileys")
    @GET
    @Path("/transcripts")
    public List<Transcript.View> transcripts(@jakarta.ws.rs.QueryParam("phone") String phone) {
        return server().observations().transcripts(phone);
    }

    @Operation(summary = "The WhatsApp Web versions the sandbox accepts and announces")
    @GET
    @Path("/web-version")
    public WebVersionPolicy.View webVersion() {
        return server().webVersion();
    }

    /** Plays a WhatsApp release: raise the minimum (online devices below it are cut and get 405), or withhold sw.js. */
    @Operation(summary = "Change the accepted and announced WhatsApp Web versions")
    @PUT
    @Path("/web-version")
    public Uni<WebVersionPolicy.View> updateWebVersion(WebVersionRequest request) {
        SandboxServer server = server();
        if (request == null || (request.minimum() == null && request.latest() == null && request.published() == null)) {
            throw ApiException.badRequest("invalid-body", "Body must set at least one of minimum, latest, published.");
        }
        return uni(server.updateWebVersion(request.minimum(), request.latest(), request.published()));
    }

    @Operation(summary = "A phone writes a text (as a person typing on it)")
    @APIResponse(responseCode = "202", description = "Written; the id of the WhatsApp message.",
            content = @Content(schema = @Schema(implementation = Written.class)))
    /** The phone (device 0) of {@code phone} writes a text to {@code to}, as a person typing on it. */
    @POST
    @Path("/accounts/{phone}/messages")
    public Uni<Response> phoneWrites(@PathParam("phone") String phone, PhoneMessageRequest request) {
        SandboxServer server = server();
        if (request == null) {
            throw ApiException.invalidField("to", "is required");
        }
        if (request.media() != null) {
            PhoneFile file = request.media();
            byte[] bytes;
            try {
                bytes = file.data() == null ? null : Base64.getDecoder().decode(file.data());
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidField("media.data", "is not base64");
            }
            return uni(server.router().phoneSendsFile(phone, request.to(), file.type(), bytes, file.mimetype(), file.caption(),
                    file.fileName())).map(id -> Response.accepted(new Written(id)).build());
        }
        return uni(server.router().phoneWrites(phone, request.to(), request.text()))
                .map(id -> Response.accepted(new Written(id)).build());
    }

    public record ReadRequest(List<String> ids) {
    }

    public record TypingRequest(String to, String state) {
    }

    /** The person types in a chat: the other side's connected devices see "typing…" (a chatstate). */
    @Operation(summary = "A phone types (or stops) in a chat")
    @APIResponse(responseCode = "204", description = "Relayed.")
    @POST
    @Path("/accounts/{phone}/typing")
    public Response phoneTypes(@PathParam("phone") String phone, TypingRequest request) {
        if (request == null || !server().router().phoneTypes(phone, request.to(), request.state())) {
            throw ApiException.badRequest("invalid-body", "Body must be {\"to\": \"<a sandbox account>\", \"state\":"
                    + " \"composing\"|\"paused\"} for a sandbox account.");
        }
        return Response.noContent().build();
    }

    /** The person reads texts on the phone: each sender gets a read receipt. 200 {@code {read: n}}. */
    @Operation(summary = "A phone reads texts (read receipts to their senders)")
    @POST
    @Path("/accounts/{phone}/read")
    public Uni<ReadCount> phoneReads(@PathParam("phone") String phone, ReadRequest request) {
        SandboxServer server = server();
        return uni(server.router().phoneReads(phone, request == null ? null : request.ids())).map(ReadCount::new);
    }

    public record AddressingRequest(String mode) {
    }

    /** A sandbox group as the admin API shows it. */
    public record SandboxGroup(String id, String subject, @Schema(enumeration = {"pn", "lid"}) String addressingMode,
            List<SandboxGroupMember> members) {
    }

    public record SandboxGroupMember(String phone, @Schema(enumeration = {"", "admin", "superadmin"}) String role) {
    }

    /** The groups an account is in: id, subject, addressing and members. */
    @Operation(summary = "The groups a sandbox account is in")
    @GET
    @Path("/accounts/{phone}/groups")
    public List<SandboxGroup> groups(@PathParam("phone") String phone) {
        return server().groups().of(phone).stream().map(group -> new SandboxGroup(group.id(), group.subject(), group.lid() ? "lid" : "pn",
                group.members().entrySet().stream().map(member -> new SandboxGroupMember(member.getKey(), member.getValue())).toList()))
                .toList();
    }

    /** WhatsApp moves a group to LID addressing (or back): later stanzas name members by LID. */
    @Operation(summary = "Switch a group to LID or phone-number addressing")
    @APIResponse(responseCode = "204", description = "Switched.")
    @POST
    @Path("/groups/{groupId}/addressing")
    public Response address(@PathParam("groupId") String groupId, AddressingRequest request) {
        if (request == null || !("lid".equals(request.mode()) || "pn".equals(request.mode()))) {
            throw ApiException.badRequest("invalid-body", "Body must be {\"mode\": \"lid\"|\"pn\"}.");
        }
        if (!server().groups().address(groupId, "lid".equals(request.mode()))) {
            throw ApiException.notFound("unknown-group", "The sandbox has no group " + groupId + ".");
        }
        return Response.noContent().build();
    }

    /** What the phone of {@code phone} received (decrypted and checked) and sent. */
    @Operation(summary = "What a phone received and sent")
    @GET
    @Path("/accounts/{phone}/messages")
    public PhoneMessages phoneMessages(@PathParam("phone") String phone) {
        SandboxServer server = server();
        return new PhoneMessages(server.router().phoneReceived(phone), server.router().phoneSent(phone));
    }

    @Operation(summary = "Arm a fault for the next messages to a phone (corrupt, duplicate)")
    @APIResponse(responseCode = "204", description = "Done.")
    /** Arms a fault for the next 1:1 messages to a phone's devices: {@code corrupt} or {@code duplicate}. */
    @POST
    @Path("/faults")
    public Uni<Response> fault(FaultRequest request) {
        SandboxServer server = server();
        if (request == null) {
            throw ApiException.invalidField("phone", "is required");
        }
        return uni(server.router().injectFault(request.phone(), request.kind(), request.count() == null ? 1 : request.count()))
                .map(ignored -> Response.noContent().build());
    }

    /** Logged-in devices (of {@code phone} when given), keepalive pings received and the longest silence of any since its login. */
    @Operation(summary = "Keepalive pings received from logged-in devices")
    @GET
    @Path("/keepalives")
    public io.switchboard.sandbox.server.KeepaliveView keepalives(@jakarta.ws.rs.QueryParam("phone") String phone) {
        return server().keepalives(phone);
    }

    @Operation(summary = "Linked devices and their state")
    @GET
    @Path("/devices")
    public List<io.switchboard.sandbox.server.DeviceView> devices() {
        return server().devices();
    }

    @Operation(summary = "Disconnect a device with a stream error code")
    @APIResponse(responseCode = "204", description = "Done.")
    @POST
    @Path("/devices/{deviceJid}/disconnect")
    public Uni<Response> disconnect(@PathParam("deviceJid") String deviceJid, DisconnectRequest request) {
        SandboxServer server = server();
        if (request == null || request.code() == null) {
            throw ApiException.invalidField("code", "is required");
        }
        return uni(server.disconnect(deviceJid, request.code())).map(ignored -> Response.noContent().build());
    }

    @Operation(summary = "Drop a device's connection without a word")
    @APIResponse(responseCode = "204", description = "Done.")
    @POST
    @Path("/devices/{deviceJid}/drop")
    public Uni<Response> drop(@PathParam("deviceJid") String deviceJid) {
        return uni(server().drop(deviceJid)).map(ignored -> Response.noContent().build());
    }

    @Operation(summary = "A device's network goes down (connection and logins cut)")
    @APIResponse(responseCode = "204", description = "Done.")
    /** The device's network goes down: its connection is cut and its logins too, until {@code …/network-up}. 204. */
    @POST
    @Path("/devices/{deviceJid}/network-down")
    public Uni<Response> networkDown(@PathParam("deviceJid") String deviceJid) {
        return uni(server().router().networkDown(deviceJid)).map(ignored -> Response.noContent().build());
    }

    @Operation(summary = "A device's network comes back")
    @APIResponse(responseCode = "204", description = "Done.")
    /** The device's network is back: its next login goes through. 204. */
    @POST
    @Path("/devices/{deviceJid}/network-up")
    public Uni<Response> networkUp(@PathParam("deviceJid") String deviceJid) {
        return uni(server().router().networkUp(deviceJid)).map(ignored -> Response.noContent().build());
    }

    @Operation(summary = "The phone unlinks a device")
    @APIResponse(responseCode = "204", description = "Done.")
    @DELETE
    @Path("/devices/{deviceJid}")
    public Uni<Response> remove(@PathParam("deviceJid") String deviceJid) {
        return uni(server().remove(deviceJid)).map(ignored -> Response.noContent().build());
    }

    private SandboxServer server() {
        SandboxServer server = mount.server().orElseThrow(() -> new ApiException(404, "not-found",
                "No resource exists at this path."));
        access.requireAdmin();
        return server;
    }

    private static <T> Uni<T> uni(Future<T> future) {
        return Uni.createFrom().completionStage(future.toCompletionStage())
                .onFailure(SandboxException.class).transform(SandboxAdminResource::problem);
    }

    private static Throwable problem(Throwable failure) {
        SandboxException e = (SandboxException) failure;
        switch (e.kind()) {
            case BAD_QR: return ApiException.badRequest("unreadable-qr", e.getMessage());
            case BAD_REQUEST: return ApiException.badRequest("invalid-body", e.getMessage());
            case UNKNOWN_REF: return ApiException.notFound("unknown-ref", e.getMessage());
            case EXPIRED_REF: return ApiException.notFound("expired-ref", e.getMessage());
            case UNKNOWN_DEVICE: return ApiException.notFound("unknown-device", e.getMessage());
            default: return ApiException.conflict("pairing-failed", e.getMessage());
        }
    }
}
