package io.switchboard.support;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.http.Header;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Checks every REST call a test makes through REST Assured against the OpenAPI document the
 * service under test serves ({@code /q/openapi}): each answer's status, headers and body must be
 * documented for its operation, and a request the service accepted (2xx) must be one the document
 * allows. A mismatch fails the test that made the call, naming the operation and what differs: the
 * document cannot drift from the code.
 */
public final class ContractValidation implements Filter {

    private static final Map<String, OpenApiInteractionValidator> VALIDATORS = new ConcurrentHashMap<>();
    private static final Map<String, io.swagger.v3.oas.models.OpenAPI> DOCUMENTS = new ConcurrentHashMap<>();

    @Override
    public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification responseSpec, FilterContext ctx) {
        Response response = ctx.next(request, responseSpec);
        String path = URI.create(request.getURI()).getRawPath();
        if (!(path.startsWith("/api/") || path.startsWith("/sandbox/v1/") || path.startsWith("/dev/"))) {
            return response;
        }
        URI uri = URI.create(request.getURI());
        String base = uri.getScheme() + "://" + uri.getAuthority();
        OpenApiInteractionValidator validator = VALIDATORS.computeIfAbsent(base, ContractValidation::load);
        Request.Method method = Request.Method.valueOf(request.getMethod().toUpperCase(Locale.ROOT));
        SimpleResponse.Builder answer = new SimpleResponse.Builder(response.statusCode());
        for (Header header : response.getHeaders()) {
            answer.withHeader(header.getName(), header.getValue());
        }
        String contentType = response.getContentType();
        if (contentType != null && !contentType.startsWith("text/event-stream")) {
            answer.withBody(response.asByteArray());
        }
        ValidationReport report = validator.validateResponse(path, method, answer.build());
        // A multipart request's parts are not a body REST Assured hands filters: its answer is checked, its parts are not.
        boolean multipart = request.getContentType() != null && request.getContentType().startsWith("multipart/");
        if (response.statusCode() / 100 == 2 && !multipart) {
            report = report.merge(validator.validateRequest(request(request, method, path)));
        }
        if (report.hasErrors()) {
            throw new AssertionError("the answer or request disagrees with the OpenAPI document: " + request.getMethod() + " "
                    + path + " → " + response.statusCode() + "\n" + report.getMessages().stream()
                            .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                            .map(m -> "  " + m.getKey() + ": " + m.getMessage()).collect(Collectors.joining("\n"))
                    + "\n  body: " + abbreviated(response.asString()));
        }
        return response;
    }

    private static SimpleRequest request(FilterableRequestSpecification request, Request.Method method, String path) {
        SimpleRequest.Builder built = new SimpleRequest.Builder(method, path);
        for (Header header : request.getHeaders()) {
            built.withHeader(header.getName(), header.getValue());
        }
        Object body = request.getBody();
        if (body != null) {
            built.withBody(body instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8) : body.toString());
        }
        String query = URI.create(request.getURI()).getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                built.withQueryParam(java.net.URLDecoder.decode(kv[0], java.nio.charset.StandardCharsets.UTF_8),
                        kv.length == 2 ? java.net.URLDecoder.decode(kv[1], java.nio.charset.StandardCharsets.UTF_8) : "");
            }
        }
        return built.build();
    }

    private static OpenApiInteractionValidator load(String base) {
        try {
            String document = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/q/openapi?format=json"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            // Authorization is judged by the service itself (a 2xx was authorized); a path or method the document does not
            // have is a test aiming at an unknown route on purpose (its 404/405 problem is checked by that test).
            return OpenApiInteractionValidator.createForInlineApiSpecification(document)
                    .withLevelResolver(LevelResolver.create()
                            .withLevel("validation.request.security", ValidationReport.Level.IGNORE)
                            .withLevel("validation.request.path.missing", ValidationReport.Level.IGNORE)
                            .withLevel("validation.request.operation.notAllowed", ValidationReport.Level.IGNORE)
                            // A field the document does not declare fails too (in answers and in accepted requests).
                            .withLevel("validation.response.body.schema.additionalProperties", ValidationReport.Level.ERROR)
                            .withLevel("validation.request.body.schema.additionalProperties", ValidationReport.Level.ERROR)
                            .build())
                    .build();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the OpenAPI document could not be read from " + base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Problems of an event body (a webhook's, an event stream's data) against the {@code WebhookEvent}
     * schema of the document {@code base} serves; empty when it conforms.
     */
    public static List<String> eventProblems(String base, String body) {
        io.swagger.v3.oas.models.OpenAPI api = DOCUMENTS.computeIfAbsent(base, ContractValidation::parse);
        ValidationReport report = new com.atlassian.oai.validator.schema.SchemaValidator(api,
                new com.atlassian.oai.validator.report.MessageResolver())
                .validate(body, api.getComponents().getSchemas().get("WebhookEvent"), "event");
        return report.getMessages().stream().filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .map(m -> m.getKey() + ": " + m.getMessage()).toList();
    }

    /**
     * Problems of a JSON value against {@code schema} (a schema of the document {@code base} serves),
     * with properties the schema does not declare refused; empty when it conforms.
     */
    public static List<String> strictSchemaProblems(String base, String json, io.swagger.v3.oas.models.media.Schema<?> schema) {
        io.swagger.v3.oas.models.OpenAPI api = document(base);
        com.atlassian.oai.validator.report.MessageResolver strict = new com.atlassian.oai.validator.report.MessageResolver(
                LevelResolver.create().withLevel("validation.schema.additionalProperties", ValidationReport.Level.ERROR).build());
        ValidationReport report = new com.atlassian.oai.validator.schema.SchemaValidator(api, strict).validate(json, schema, "example");
        return report.getMessages().stream().filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .map(m -> m.getKey() + ": " + m.getMessage()).toList();
    }

    /** The document {@code base} serves, parsed (references resolved) once per service. */
    public static io.swagger.v3.oas.models.OpenAPI document(String base) {
        return DOCUMENTS.computeIfAbsent(base, ContractValidation::parse);
    }

    /** The served document, parsed once per service. */
    private static io.swagger.v3.oas.models.OpenAPI parse(String base) {
        try {
            String document = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/q/openapi?format=json"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            io.swagger.v3.parser.core.models.ParseOptions options = new io.swagger.v3.parser.core.models.ParseOptions();
            options.setResolve(true);
            return new io.swagger.v3.parser.OpenAPIV3Parser().readContents(document, null, options).getOpenAPI();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviated(String text) {
        return text.length() > 400 ? text.substring(0, 400) + "…" : text;
    }

    /** Installs the check for every REST Assured call of the test run (once). */
    public static synchronized void install() {
        List<Filter> filters = io.restassured.RestAssured.filters();
        if (filters.stream().noneMatch(f -> f instanceof ContractValidation)) {
            io.restassured.RestAssured.filters(new ContractValidation());
        }
    }
}
