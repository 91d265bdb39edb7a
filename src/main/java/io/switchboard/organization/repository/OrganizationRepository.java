package io.switchboard.organization.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.switchboard.organization.Organization;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
@WithSession
public class OrganizationRepository implements PanacheRepositoryBase<Organization, UUID> {

    private static final Sort NEWEST_LAST = Sort.by("createdAt").and("id");

    public Uni<List<Organization>> listPage(int page, int size) {
        return findAll(NEWEST_LAST).page(Page.of(page, size)).list();
    }

    public Uni<List<Organization>> listPageAmong(Collection<UUID> ids, int page, int size) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return find("id in ?1", NEWEST_LAST, ids).page(Page.of(page, size)).list();
    }

    public Uni<Long> countAmong(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        return count("id in ?1", ids);
    }
}
