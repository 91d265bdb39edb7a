package io.switchboard.organization.rest;

import io.switchboard.organization.service.OrganizationPage;
import java.util.List;
import java.util.stream.Collectors;

public record OrganizationPageView(List<OrganizationView> items, int page, int size, long total) {

    static OrganizationPageView of(OrganizationPage page) {
        return new OrganizationPageView(
                page.items().stream().map(OrganizationView::of).collect(Collectors.toList()),
                page.page(), page.size(), page.total());
    }
}
