package io.switchboard.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The served OpenAPI document as a contract: every operation has a summary and a tag; every answer
 * a description; every success with a body a typed schema (a named schema, or an object with
 * properties, an array of those, or an event stream), never a free-form map; every error the one
 * Problem schema, whose {@code reason} enum is {@link ProblemReasons#ALL} — and every reason the
 * code can answer with is in it. Prints the counts; each must be 0.
 */
@QuarkusTest
class OpenApiContractTest {

    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

    @Test
    void everyOperationIsDocumentedAndTyped() {
        JsonObject document = new JsonObject(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString());
        assertEquals("3.0.3", document.getString("openapi"));
        JsonObject schemas = document.getJsonObject("components").getJsonObject("schemas");
        List<String> unsummarized = new ArrayList<>();
        List<String> untagged = new ArrayList<>();
        List<String> untyped = new ArrayList<>();
        List<String> undescribed = new ArrayList<>();
        List<String> errorsNotProblems = new ArrayList<>();
        int operations = 0;
        for (String path : document.getJsonObject("paths").fieldNames()) {
            JsonObject item = document.getJsonObject("paths").getJsonObject(path);
            for (String method : item.fieldNames()) {
                if (!METHODS.contains(method)) {
                    continue;
                }
                operations++;
                String name = method.toUpperCase() + " " + path;
                JsonObject operation = item.getJsonObject(method);
                if (operation.getString("summary") == null || operation.getString("summary").isBlank()) {
                    unsummarized.add(name);
                }
                if (operation.getJsonArray("tags") == null || operation.getJsonArray("tags").isEmpty()) {
                    untagged.add(name);
                }
                JsonObject responses = operation.getJsonObject("responses");
                for (String status : responses.fieldNames()) {
                    JsonObject response = responses.getJsonObject(status);
                    if (response.getString("description") == null || response.getString("description").isBlank()) {
                        undescribed.add(name + " " + status);
                    }
                    JsonObject content = response.getJsonObject("content");
                    if (status.startsWith("2")) {
                        if (content != null) {
                            for (String media : content.fieldNames()) {
                                if (!typed(content.getJsonObject(media).getJsonObject("schema"), media, schemas)) {
                                    untyped.add(name + " " + status + " " + media);
                                }
                            }
                        }
                    } else {
                        JsonObject problem = content == null ? null : content.getJsonObject("application/problem+json");
                        if (problem == null || !"#/components/schemas/Problem".equals(problem.getJsonObject("schema").getString("$ref"))) {
                            errorsNotProblems.add(name + " " + status);
                        }
                    }
                }
            }
        }
        System.out.printf("contract: %d operations; without summary %d, without tag %d, answers without description %d,"
                + " untyped success bodies %d, errors not Problem %d%n", operations, unsummarized.size(), untagged.size(),
                undescribed.size(), untyped.size(), errorsNotProblems.size());
        assertEquals(List.of(), unsummarized, "operations without a summary");
        assertEquals(List.of(), untagged, "operations without a tag");
        assertEquals(List.of(), undescribed, "answers without a description");
        assertEquals(List.of(), untyped, "success bodies without a typed schema");
        assertEquals(List.of(), errorsNotProblems, "errors that are not the Problem schema");
        JsonArray reasons = schemas.getJsonObject("Problem").getJsonObject("properties").getJsonObject("reason").getJsonArray("enum");
        assertEquals(ProblemReasons.ALL, reasons.getList());
    }

    /** Every reason literal the code answers with is among {@link ProblemReasons#ALL}. */
    @Test
    void everyReasonTheCodeAnswersIsDocumented() throws IOException {
        Pattern reason = Pattern.compile("(?:(?:badRequest|conflict|notFound|forbidden)\\(|ApiException\\(\\s*\\d+\\s*,"
                + "|SessionRefused\\(|Problem\\.of\\(\\s*[\\w.]+\\s*,|ApiException\\(Status\\.\\w+\\.getStatusCode\\(\\),)\\s*\"([a-z0-9-]+)\"");
        Pattern ternary = Pattern.compile("\\?\\s*\"([a-z]+(?:-[a-z0-9]+)+)\"\\s*:\\s*\"([a-z]+(?:-[a-z0-9]+)+)\"");
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher m = reason.matcher(source);
                while (m.find()) {
                    found.add(m.group(1));
                }
                if (source.contains("ApiException")) {
                    Matcher t = ternary.matcher(source);
                    while (t.find()) {
                        found.add(t.group(1));
                        found.add(t.group(2));
                    }
                }
            }
        }
        Set<String> missing = new TreeSet<>(found);
        missing.removeAll(ProblemReasons.ALL);
        assertTrue(found.size() > 30, "the scan finds the reasons: " + found);
        assertEquals(Set.of(), missing, "reasons answered but not in ProblemReasons.ALL");
    }

    /**
     * Every request body and every success body has an example, and every example (each {@code data}
     * line of a stream's, the Problem schema's) conforms to its schema with no undeclared field.
     */
    @Test
    void everyBodyHasAnExampleThatConformsToItsSchema() {
        String base = io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port;
        io.swagger.v3.oas.models.OpenAPI api = io.switchboard.support.ContractValidation.document(base);
        List<String> without = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        int examples = 0;
        for (var path : api.getPaths().entrySet()) {
            for (var operation : path.getValue().readOperationsMap().entrySet()) {
                String name = operation.getKey() + " " + path.getKey();
                java.util.Map<String, io.swagger.v3.oas.models.media.Content> bodies = new java.util.LinkedHashMap<>();
                if (operation.getValue().getRequestBody() != null) {
                    bodies.put("request", operation.getValue().getRequestBody().getContent());
                }
                operation.getValue().getResponses().forEach((status, response) -> {
                    if (status.startsWith("2") && response.getContent() != null) {
                        bodies.put(status, response.getContent());
                    }
                });
                for (var body : bodies.entrySet()) {
                    for (var media : body.getValue().entrySet()) {
                        Object example = media.getValue().getExample();
                        String where = name + " " + body.getKey() + " " + media.getKey();
                        if (example == null) {
                            if (path.getKey().startsWith("/api/")) {
                                // The public contract; the sandbox's and the development token's (dev and test only) may go without.
                                without.add(where);
                            }
                            continue;
                        }
                        examples++;
                        for (String json : exampleValues(example, media.getKey())) {
                            io.switchboard.support.ContractValidation.strictSchemaProblems(base, json, media.getValue().getSchema())
                                    .forEach(problem -> wrong.add(where + ": " + problem));
                        }
                    }
                }
            }
        }
        var problem = api.getComponents().getSchemas().get("Problem");
        io.switchboard.support.ContractValidation.strictSchemaProblems(base, json(problem.getExample()), problem)
                .forEach(p -> wrong.add("Problem: " + p));
        System.out.printf("contract: %d examples; bodies without an example %d, examples their schema refuses %d%n", examples,
                without.size(), wrong.size());
        assertEquals(List.of(), without, "bodies without an example");
        assertEquals(List.of(), wrong, "examples their schema refuses");
        assertTrue(examples > 25, "examples found: " + examples);
    }

    /** The JSON values an example stands for: itself, or each data line of an event stream's text. */
    private static List<String> exampleValues(Object example, String media) {
        if (media.startsWith("text/event-stream")) {
            List<String> data = example.toString().lines().filter(line -> line.startsWith("data:"))
                    .map(line -> line.substring("data:".length()).trim()).toList();
            assertTrue(!data.isEmpty(), "a stream example has events: " + example);
            return data;
        }
        return List.of(json(example));
    }

    private static String json(Object value) {
        try {
            return io.swagger.v3.core.util.Json.mapper().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean typed(JsonObject schema, String media, JsonObject schemas) {
        if (schema == null) {
            return false;
        }
        if (media.equals("text/event-stream")) {
            return true;
        }
        if (schema.getString("$ref") != null) {
            JsonObject target = schemas.getJsonObject(schema.getString("$ref").substring("#/components/schemas/".length()));
            return target != null && typed(target, media, schemas);
        }
        for (String combinator : List.of("oneOf", "anyOf")) {
            if (schema.getJsonArray(combinator) != null) {
                return schema.getJsonArray(combinator).stream().allMatch(option -> typed((JsonObject) option, media, schemas));
            }
        }
        if ("array".equals(schema.getString("type"))) {
            return typed(schema.getJsonObject("items"), media, schemas);
        }
        if ("object".equals(schema.getString("type"))) {
            return schema.getJsonObject("properties") != null && !schema.getJsonObject("properties").isEmpty();
        }
        return schema.getString("type") != null;
    }
}
