package io.switchboard.sandbox.admin;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.switchboard.sandbox.server.LinkedDevice;
import io.switchboard.sandbox.server.SandboxException;
import io.switchboard.sandbox.server.SandboxServer;
import io.switchboard.security.TenantAccess;
import io.switchboard.web.ApiException;
import io.vertx.core.Future;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Admin API of the sandbox: scan QR codes, list, disconnect, drop and unlink devices. */
@Path("/sandbox/v1")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SandboxAdminResource {

    static final Duration SCAN_TIMEOUT = Duration.ofSeconds(15);

    public record ScanRequest(String qr, String phone) {
    }

    public record ScanResult(String jid, String deviceJid, String lid) {
    }

    public record DisconnectRequest(Integer code) {
    }

    private final SandboxMount mount;
    private final TenantAccess access;

    SandboxAdminResource(SandboxMount mount, TenantAccess access) {
        this.mount = mount;
        this.access = access;
    }

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

    @GET
    @Path("/trust-root")
    public Map<String, String> trustRoot() {
        return Map.of("publicKey", Base64.getEncoder().encodeToString(server().trustRoot()));
    }

    @GET
    @Path("/devices")
    public List<SandboxServer.DeviceView> devices() {
        return server().devices();
    }

    @POST
    @Path("/devices/{deviceJid}/disconnect")
    public Uni<Response> disconnect(@PathParam("deviceJid") String deviceJid, DisconnectRequest request) {
        SandboxServer server = server();
        if (request == null || request.code() == null) {
            throw ApiException.invalidField("code", "is required");
        }
        return uni(server.disconnect(deviceJid, request.code())).map(ignored -> Response.noContent().build());
    }

    @POST
    @Path("/devices/{deviceJid}/drop")
    public Uni<Response> drop(@PathParam("deviceJid") String deviceJid) {
        return uni(server().drop(deviceJid)).map(ignored -> Response.noContent().build());
    }

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
