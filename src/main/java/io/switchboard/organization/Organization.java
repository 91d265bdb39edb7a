package io.switchboard.organization;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;

/** A tenant: one company's organization, which later owns one WhatsApp number. */
@Entity
@Table(name = "organization")
public class Organization {

    public static final int MAX_NAME_LENGTH = 200;

    @Id
    private UUID id;

    @Column(nullable = false, length = MAX_NAME_LENGTH)
    private String name;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected Organization() {
        // for Hibernate
    }

    public static Organization create(String name, Instant now) {
        Organization organization = new Organization();
        organization.id = UUID.randomUUID();
        organization.name = normalizedName(name);
        // PostgreSQL keeps microseconds; truncating keeps the response equal to what a later read returns.
        organization.createdAt = now.truncatedTo(ChronoUnit.MICROS);
        organization.updatedAt = organization.createdAt;
        return organization;
    }

    public void rename(String newName, Instant now) {
        this.name = normalizedName(newName);
        this.updatedAt = now.truncatedTo(ChronoUnit.MICROS);
    }

    private static String normalizedName(String name) {
        String trimmed = Objects.requireNonNull(name, "name").strip();
        if (trimmed.isEmpty() || trimmed.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("name must be 1.." + MAX_NAME_LENGTH + " characters");
        }
        return trimmed;
    }

    public UUID getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }
}
