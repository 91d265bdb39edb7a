package io.switchboard.organization.service;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.switchboard.organization.Organization;
import io.switchboard.organization.OrganizationDeleted;
import io.switchboard.organization.repository.OrganizationRepository;
import io.switchboard.security.CallerScope;
import io.switchboard.web.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class OrganizationService {

    private final OrganizationRepository repository;
    private final Event<OrganizationDeleted> deletedEvents;
    private final Clock clock = Clock.systemUTC();

    OrganizationService(OrganizationRepository repository, Event<OrganizationDeleted> deletedEvents) {
        this.repository = repository;
        this.deletedEvents = deletedEvents;
    }

    @WithTransaction
    public Uni<Organization> create(String name) {
        return repository.persist(Organization.create(name, clock.instant()));
    }

    @WithSession
    public Uni<Organization> get(UUID id) {
        return repository.findById(id).onItem().ifNull().failWith(() -> notFound(id));
    }

    @WithSession
    public Uni<OrganizationPage> list(CallerScope scope, int page, int size) {
        if (scope.admin()) {
            return Uni.combine().all()
                    .unis(repository.listPage(page, size), repository.count())
                    .with((List<Organization> items, Long total) -> new OrganizationPage(items, page, size, total));
        }
        return repository.listPageAmong(scope.organizations(), page, size)
                .flatMap(items -> repository.countAmong(scope.organizations())
                        .map(total -> new OrganizationPage(items, page, size, total)));
    }

    @WithTransaction
    public Uni<Organization> rename(UUID id, String name) {
        return repository.findById(id)
                .onItem().ifNull().failWith(() -> notFound(id))
                .invoke(organization -> organization.rename(name, clock.instant()));
    }

    /**
     * Deletes the organization; its session rows go with it (the database queues its linked device
     * for removal from WhatsApp). Listeners hear of it only once the deletion is committed.
     */
    public Uni<Void> delete(UUID id) {
        return Panache.withTransaction(() -> repository.deleteById(id)
                        .flatMap(deleted -> deleted
                                ? Uni.createFrom().voidItem()
                                : Uni.createFrom().failure(notFound(id))))
                .invoke(() -> deletedEvents.fire(new OrganizationDeleted(id)));
    }

    private static ApiException notFound(UUID id) {
        return ApiException.notFound("organization-not-found", "Organization " + id + " does not exist.");
    }
}
