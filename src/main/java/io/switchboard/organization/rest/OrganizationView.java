package io.switchboard.organization.rest;

import io.switchboard.organization.Organization;
import java.time.Instant;
import java.util.UUID;

public record OrganizationView(UUID id, String name, Instant createdAt, Instant updatedAt) {

    static OrganizationView of(Organization organization) {
        return new OrganizationView(organization.getId(), organization.getName(),
                organization.getCreatedAt(), organization.getUpdatedAt());
    }
}
