package io.switchboard.web;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

/**
 * The examples the document shows, kept in {@code contract/examples.json} by operation id (the
 * request body under {@code request}, each answer under its status) rather than as JSON strings in
 * annotations; {@code OpenApiContractTest} validates each one against the schema it illustrates.
 */
final class ContractExamples {

    private static final String RESOURCE = "contract/examples.json";

    private ContractExamples() {
    }

    static Map<String, Object> load() {
        try (InputStream in = ContractExamples.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the build");
            }
            return new ObjectMapper().readValue(in, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static void attach(Operation operation, Map<String, Object> examples) {
        Object found = examples.get(operation.getOperationId());
        if (!(found instanceof Map<?, ?> byPart)) {
            return;
        }
        Map<String, Object> parts = (Map<String, Object>) byPart;
        if (operation.getRequestBody() != null && operation.getRequestBody().getContent() != null
                && operation.getRequestBody().getContent().getMediaTypes() != null) {
            // "request" illustrates the JSON body; "request <media type>" any other form the operation takes.
            operation.getRequestBody().getContent().getMediaTypes().forEach((media, type) -> {
                Object example = parts.get(media.startsWith("application/json") ? "request" : "request " + media);
                if (example != null) {
                    type.setExample(example);
                }
            });
        }
        if (operation.getResponses() != null) {
            operation.getResponses().getAPIResponses().forEach((status, response) -> {
                if (parts.containsKey(status)) {
                    set(response, parts.get(status));
                }
            });
        }
    }

    private static void set(APIResponse response, Object example) {
        set(response.getContent(), example);
    }

    private static void set(Content content, Object example) {
        if (content == null || content.getMediaTypes() == null) {
            return;
        }
        for (Map.Entry<String, MediaType> media : content.getMediaTypes().entrySet()) {
            boolean json = media.getKey().contains("json");
            // A JSON body's example is the JSON; a stream's is its text as it flows, a file's a description of its bytes.
            if (json != example instanceof String) {
                media.getValue().setExample(example);
            }
        }
    }
}
