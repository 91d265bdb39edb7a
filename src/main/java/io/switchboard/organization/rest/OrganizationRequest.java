package io.switchboard.organization.rest;

import io.switchboard.organization.Organization;
import io.switchboard.web.ApiException;
import io.switchboard.web.SafeText;

/** Body of create and rename: {@code {"name": "..."}}. */
public record OrganizationRequest(String name) {

    /** The name to store, trimmed; a 400 naming the field when it is unusable. */
    String validName() {
        if (name == null) {
            throw ApiException.invalidField("name", "is required");
        }
        String trimmed = SafeText.require("name", name).strip();
        if (trimmed.isEmpty()) {
            throw ApiException.invalidField("name", "must not be blank");
        }
        if (trimmed.length() > Organization.MAX_NAME_LENGTH) {
            throw ApiException.invalidField("name", "must be at most " + Organization.MAX_NAME_LENGTH + " characters");
        }
        return trimmed;
    }

    static String validNameOf(OrganizationRequest request) {
        if (request == null) {
            throw ApiException.badRequest("missing-body", "A JSON body {\"name\": ...} is required.");
        }
        return request.validName();
    }
}
