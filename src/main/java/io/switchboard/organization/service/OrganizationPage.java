package io.switchboard.organization.service;

import io.switchboard.organization.Organization;
import java.util.List;

public record OrganizationPage(List<Organization> items, int page, int size, long total) {

    public OrganizationPage {
        items = List.copyOf(items);
    }
}
