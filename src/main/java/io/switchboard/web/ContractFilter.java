package io.switchboard.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.tags.Tag;

/**
 * Completes the OpenAPI document with what every operation shares, so that it is true without
 * repeating it on each method: the one {@code Problem} schema ({@code reason} an enum of
 * {@link ProblemReasons#ALL}), the answers any operation of a kind can give (401 without a valid
 * token, 403 outside the token's organizations, 400 for a malformed path id, 404 for an unknown
 * organization, 413/415/400 for bodies, 503 {@code database-unavailable} with Retry-After), the
 * tags in the product's words, and the servers' error media type.
 */
public class ContractFilter implements OASFilter {

    static final String PROBLEM_REF = "#/components/schemas/Problem";

    private static final String INVALID_TO = "Field 'to' must be a phone number with its country code (7 to 15 digits) or a JID"
            + " like 15551234567@s.whatsapp.net.";

    private static final Map<String, String> TAGS = new LinkedHashMap<>();

    /** The names generated clients give the operations (unnamed sandbox operations get one from method and path). */
    private static final Map<String, String> OPERATION_IDS = Map.ofEntries(
            Map.entry("POST /api/v1/organizations", "createOrganization"),
            Map.entry("GET /api/v1/organizations", "listOrganizations"),
            Map.entry("GET /api/v1/organizations/{id}", "getOrganization"),
            Map.entry("PATCH /api/v1/organizations/{id}", "renameOrganization"),
            Map.entry("DELETE /api/v1/organizations/{id}", "deleteOrganization"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/init-baileys", "initLinking"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/pairing-code", "requestPairingCode"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/reconnect", "reconnect"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/qrcode", "getQrCode"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/qrcode/stream", "streamQrCodes"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/status", "getStatus"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/transitions", "listTransitions"),
            Map.entry("DELETE /api/v1/organizations/{id}/whatsapp/disconnect", "disconnect"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/events", "streamEvents"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/messages", "sendMessage"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/messages", "listMessages"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/messages/{messageId}", "getMessage"),
            Map.entry("PATCH /api/v1/organizations/{id}/whatsapp/messages/{messageId}", "editMessage"),
            Map.entry("DELETE /api/v1/organizations/{id}/whatsapp/messages/{messageId}", "deleteMessage"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/messages/{messageId}/reactions", "reactToMessage"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/messages/read", "markMessagesRead"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/messages/{messageId}/media", "downloadReceivedMedia"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/contacts/check", "checkContacts"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/presence", "sendPresence"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/presence/subscribe", "subscribePresence"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/groups", "createGroup"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/groups", "listGroups"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/groups/{groupId}", "getGroup"),
            Map.entry("PATCH /api/v1/organizations/{id}/whatsapp/groups/{groupId}", "updateGroup"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/groups/{groupId}/participants", "changeGroupParticipants"),
            Map.entry("GET /api/v1/organizations/{id}/whatsapp/groups/{groupId}/invite-link", "getGroupInviteLink"),
            Map.entry("DELETE /api/v1/organizations/{id}/whatsapp/groups/{groupId}/invite-link", "revokeGroupInviteLink"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/groups/join", "joinGroup"),
            Map.entry("POST /api/v1/organizations/{id}/whatsapp/groups/{groupId}/leave", "leaveGroup"),
            Map.entry("POST /api/v1/organizations/{id}/webhooks", "createWebhook"),
            Map.entry("GET /api/v1/organizations/{id}/webhooks", "listWebhooks"),
            Map.entry("DELETE /api/v1/organizations/{id}/webhooks/{webhookId}", "deleteWebhook"),
            Map.entry("POST /api/v1/organizations/{id}/webhooks/{webhookId}/rotate-secret", "rotateWebhookSecret"),
            Map.entry("GET /api/v1/organizations/{id}/webhooks/deliveries", "listWebhookDeliveries"),
            Map.entry("POST /api/v1/organizations/{id}/webhooks/deliveries/{deliveryId}/redeliver", "redeliverWebhook"),
            Map.entry("POST /dev/token", "mintDevelopmentToken"));

    static {
        TAGS.put("Organizations", "The tenants: each has at most one WhatsApp number.");
        TAGS.put("WhatsApp connection", "Linking a number (QR or pairing code), its state, reconnecting and disconnecting.");
        TAGS.put("Messages", "Texts sent (through the outbox, exactly once) and received.");
        TAGS.put("Groups", "WhatsApp groups: created, read, changed, joined and left; their messages go through Messages.");
        TAGS.put("Events", "The organization's events as Server-Sent Events; the same payloads as webhooks.");
        TAGS.put("Webhooks", "Endpoints that receive the organization's events, signed as Standard Webhooks does.");
        TAGS.put("Sandbox", "The local WhatsApp (dev and test only): plays the phone. Not served in production.");
        TAGS.put("Development", "Token minting for local development (dev and test builds only).");
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSchema("Problem", problemSchema());
        if (openAPI.getServers() == null || openAPI.getServers().isEmpty()) {
            // Relative: the replica (or the Service in front of them) that served this document.
            openAPI.addServer(OASFactory.createServer().url("/").description("The service that served this document"));
        }
        List<Tag> tags = new ArrayList<>();
        TAGS.forEach((name, description) -> tags.add(OASFactory.createTag().name(name).description(description)));
        openAPI.setTags(tags);
        inlineNullableReferences(openAPI);
        if (openAPI.getPaths() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> item.getOperations()
                .forEach((method, operation) -> complete(path, method, operation)));
        openAPI.addExtension("x-webhooks", webhooks());
        Map<String, Object> examples = ContractExamples.load();
        openAPI.getPaths().getPathItems().values().forEach(item -> item.getOperations().values()
                .forEach(operation -> ContractExamples.attach(operation, examples)));
    }

    private static void complete(String path, PathItem.HttpMethod method, Operation operation) {
        if (path.startsWith("/dev/") && operation.getSecurity() == null) {
            // Minting a development token needs no token: said so, rather than left unsaid.
            operation.setSecurity(new ArrayList<>());
        }
        if (operation.getOperationId() == null) {
            operation.setOperationId(OPERATION_IDS.getOrDefault(method + " " + path, generatedId(method, path)));
        }
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        APIResponses responses = operation.getResponses();
        boolean api = path.startsWith("/api/");
        boolean sandbox = path.startsWith("/sandbox/");
        boolean hasBody = method == PathItem.HttpMethod.POST || method == PathItem.HttpMethod.PUT
                || method == PathItem.HttpMethod.PATCH;
        if (api || sandbox) {
            problem(responses, "401", "No valid bearer token (missing, expired, wrongly signed, another issuer or audience):"
                    + " `unauthorized`.");
            problem(responses, "403", api ? "The token does not allow this: `organization-forbidden` (not one of its"
                    + " organizations, the same whether it exists or not), `admin-required`, `forbidden`."
                    : "An admin token is required: `forbidden`.");
        }
        if (path.contains("{id}") || path.contains("Id}")) {
            problem(responses, "400", "A malformed request: `invalid-path-parameter` (a path id that is not a UUID),"
                    + (hasBody ? " `invalid-body`, `missing-body`, `malformed-json`," : "") + " `invalid-query`.");
        } else if (hasBody) {
            problem(responses, "400", "A malformed request: `invalid-body`, `missing-body`, `malformed-json`.");
        }
        if (sandbox) {
            // The sandbox's resource consumes JSON as a whole: a request declaring another Content-Type is refused, GET too.
            problem(responses, "415", "`unsupported-media-type`: a Content-Type other than application/json.");
            problem(responses, "404", "`not-found` (the sandbox is off), `unknown-device`, `unknown-group`, `unknown-ref`, `expired-ref`.");
            if (path.endsWith("/scan") || path.endsWith("/pair-code")) {
                problem(responses, "409", "`pairing-failed`: the device refused the pairing.");
                problem(responses, "504", "`scan-timeout`, `pairing-timeout`: the device did not confirm in time.");
            }
        }
        if (path.startsWith("/api/v1/organizations/{id}")) {
            problem(responses, "404", "`organization-not-found`, or the named resource under it does not exist.");
        }
        if (path.equals("/api/v1/organizations") || path.equals("/api/v1/organizations/{id}")) {
            // The organizations resource consumes JSON as a whole: a request declaring another Content-Type is refused, GET too.
            problem(responses, "415", "`unsupported-media-type`: a Content-Type other than application/json.");
        }
        if (hasBody) {
            problem(responses, "413", "`body-too-large`: the body is larger than the service accepts (1 MB).");
            problem(responses, "411", "`length-required`: a chunked body without a Content-Length.");
            problem(responses, "415", "`unsupported-media-type`: the body is not `application/json`.");
        }
        if (api) {
            APIResponse unavailable = problem(responses, "503", "`database-unavailable` (retry after the Retry-After"
                    + " seconds)" + (path.contains("/whatsapp") ? ", or `owner-unavailable`: the replica running the connection"
                    + " did not answer in time" : "") + ".");
            if (unavailable != null) {
                unavailable.addHeader("Retry-After", OASFactory.createHeader().description("Seconds to wait before retrying.")
                        .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER))));
            }
        }
        responses.getAPIResponses().forEach((status, response) -> {
            // An error documented without a body (generated for a method with a request body) answers a problem.
            if (status.matches("[45][0-9][0-9]") && (response.getContent() == null || response.getContent().getMediaTypes() == null
                    || response.getContent().getMediaTypes().isEmpty())) {
                response.content(OASFactory.createContent().addMediaType("application/problem+json",
                        OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF))));
            }
        });
        for (APIResponse response : responses.getAPIResponses().values()) {
            Content content = response.getContent();
            if (content != null && content.getMediaType("application/problem+json") != null
                    && content.getMediaType("application/problem+json").getSchema() == null) {
                content.getMediaType("application/problem+json").setSchema(OASFactory.createSchema().ref(PROBLEM_REF));
            }
        }
    }

    /**
     * A nullable property that refers to another schema ({@code anyOf} of the reference and null)
     * comes out in OpenAPI 3.0 as {@code nullable} beside an {@code allOf} of the reference, which
     * validators read as "never null". Such a
     * property gets the referred schema's own shape instead, with {@code nullable: true}.
     */
    private static void inlineNullableReferences(OpenAPI openAPI) {
        Map<String, Schema> components = openAPI.getComponents().getSchemas();
        if (components == null) {
            return;
        }
        for (Schema schema : components.values()) {
            if (schema.getProperties() == null) {
                continue;
            }
            Map<String, Schema> properties = new LinkedHashMap<>(schema.getProperties());
            properties.forEach((name, property) -> {
                boolean nullable = property.getType() != null && property.getType().contains(Schema.SchemaType.NULL)
                        || property.getAnyOf() != null && property.getAnyOf().stream().anyMatch(option -> option.getType() != null
                                && option.getType().equals(List.of(Schema.SchemaType.NULL)));
                String ref = property.getRef();
                if (ref == null && property.getAnyOf() != null) {
                    // The model's form: anyOf [the reference, {type: null}].
                    ref = property.getAnyOf().stream().map(Schema::getRef).filter(java.util.Objects::nonNull).findFirst().orElse(null);
                }
                if (ref == null && property.getAllOf() != null && property.getAllOf().size() == 1) {
                    ref = property.getAllOf().get(0).getRef();
                }
                if (nullable && ref != null) {
                    Schema target = components.get(ref.substring(ref.lastIndexOf('/') + 1));
                    if (target != null) {
                        List<Schema.SchemaType> types = new ArrayList<>(target.getType() == null ? List.of() : target.getType());
                        types.add(Schema.SchemaType.NULL);
                        Schema inline = OASFactory.createSchema().type(types).format(target.getFormat())
                                .properties(target.getProperties()).required(target.getRequired())
                                .description(property.getDescription() != null ? property.getDescription() : target.getDescription())
                                .enumeration(target.getEnumeration()).example(target.getExample());
                        schema.addProperty(name, inline);
                    }
                }
            });
        }
    }

    /** sandboxPostAccountsPhoneMessages and the like: unique, stable, readable enough for test tooling. */
    private static String generatedId(PathItem.HttpMethod method, String path) {
        StringBuilder id = new StringBuilder(method.name().toLowerCase(java.util.Locale.ROOT));
        for (String part : path.replaceAll("[{}]", "").split("[/-]")) {
            if (!part.isEmpty() && !part.equals("v1")) {
                id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return id.toString();
    }

    /** Adds a problem answer for {@code status} unless the operation documents it itself; answers the one added. */
    private static APIResponse problem(APIResponses responses, String status, String description) {
        if (responses.hasAPIResponse(status)) {
            return null;
        }
        APIResponse response = OASFactory.createAPIResponse().description(description)
                .content(OASFactory.createContent().addMediaType("application/problem+json",
                        OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF))));
        responses.addAPIResponse(status, response);
        return response;
    }

    /**
     * What a webhook endpoint receives, as Redoc and other tools read it in an OpenAPI 3.0 document
     * ({@code x-webhooks}; 3.1 calls it {@code webhooks}): one POST per event type, the
     * {@code WebhookEvent} body and the Standard Webhooks signature headers.
     */
    private static Map<String, Object> webhooks() {
        Map<String, Object> hooks = new LinkedHashMap<>();
        for (String type : List.of("session.state_changed", "session.qr", "message.received", "message.status",
                "message.reaction", "message.edited", "message.deleted", "presence.updated", "group.created", "group.joined",
                "group.updated", "group.participants", "group.left")) {
            Map<String, Object> post = new LinkedHashMap<>();
            post.put("summary", "The " + type + " event, sent to each endpoint subscribed to it");
            post.put("operationId", "webhook" + generatedId(PathItem.HttpMethod.POST, "/" + type.replace('.', '-').replace('_', '-'))
                    .substring("post".length()));
            post.put("tags", List.of("Webhooks"));
            // Not a call to this service: the receiver authenticates it by its signature headers.
            post.put("security", List.of());
            post.put("parameters", List.of(
                    header("webhook-id", "The event's id; the same on every retry (deduplicate on it)."),
                    header("webhook-timestamp", "Seconds since the epoch when this attempt was signed; refuse old ones."),
                    header("webhook-signature", "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per"
                            + " current secret (two while a rotated secret is still valid).")));
            post.put("requestBody", Map.of("required", true, "content", Map.of("application/json",
                    Map.of("schema", Map.of("$ref", "#/components/schemas/WebhookEvent")))));
            post.put("responses", Map.of(
                    "2XX", Map.of("description", "Received: the delivery is done."),
                    "default", Map.of("description", "Anything else, or no answer within the timeout: retried with backoff"
                            + " until the delivery is dead.")));
            hooks.put(type, Map.of("post", post));
        }
        return hooks;
    }

    private static Map<String, Object> header(String name, String description) {
        return Map.of("name", name, "in", "header", "required", true, "description", description,
                "schema", Map.of("type", "string"));
    }

    private static Schema problemSchema() {
        Schema string = OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING));
        Schema reason = OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))
                .description("The stable, machine-readable cause; new reasons may be added within /api/v1.");
        ProblemReasons.ALL.forEach(reason::addEnumeration);
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                .description("RFC 9457 problem details, with the stable `reason`; `success` and `message` are kept for"
                        + " dashboards written against the service this one replaces.")
                .addProperty("type", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)).format("uri"))
                .addProperty("title", string)
                .addProperty("status", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER)))
                .addProperty("detail", string)
                .addProperty("reason", reason)
                .addProperty("fields", OASFactory.createSchema().type(List.of(Schema.SchemaType.ARRAY)).items(string)
                        .description("The request fields the problem is about."))
                .addProperty("success", OASFactory.createSchema().type(List.of(Schema.SchemaType.BOOLEAN)))
                .addProperty("message", string)
                .required(List.of("type", "title", "status", "reason", "success"))
                .example(Map.of("type", "https://switchboard.dev/problems/invalid-body", "title", "Bad Request", "status", 400,
                        "detail", INVALID_TO, "reason", "invalid-body", "fields", List.of("to"), "success", false,
                        "message", INVALID_TO));
    }

}
