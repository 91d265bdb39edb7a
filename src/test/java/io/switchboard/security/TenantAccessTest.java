package io.switchboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.json.Json;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TenantAccessTest {

    @Test
    void readsUuidStringsAndIgnoresEverythingElse() {
        UUID id = UUID.randomUUID();
        var claim = Json.createArrayBuilder().add(id.toString()).add("nope").add(42).addNull().build();
        assertEquals(Set.of(id), TenantAccess.organizationsOf(claim));
        assertEquals(Set.of(id), TenantAccess.organizationsOf(List.of(id.toString(), "x")));
        assertEquals(Set.of(), TenantAccess.organizationsOf("not-an-array"));
        assertEquals(Set.of(), TenantAccess.organizationsOf(null));
    }
}
