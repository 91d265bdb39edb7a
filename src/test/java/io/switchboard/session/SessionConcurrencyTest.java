package io.switchboard.session;

import static io.switchboard.session.SessionFlows.base;
import static io.switchboard.session.SessionFlows.status;
import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.sandbox.admin.SandboxMount;
import io.switchboard.session.store.SessionStore;
import io.switchboard.support.Tokens;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** 50 concurrent lifecycle calls on one organization: one client, one consistent final state. */
@QuarkusTest
class SessionConcurrencyTest {

    @Inject
    SandboxMount sandbox;

    @Inject
    SessionStore store;

    @Test
    void fiftyConcurrentCallsLeaveOneClientAndAConsistentState() throws Exception {
        UUID org = createOrganization("Storm");
        int before = sandbox.server().orElseThrow().openConnections();
        String token = Tokens.admin();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        Set<Integer> statuses = ConcurrentHashMap.newKeySet();
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int kind = i % 3;
            calls.add(pool.submit(() -> {
                int code;
                if (kind == 0) {
                    code = as(token).post(base(org) + "/init-baileys").statusCode();
                } else if (kind == 1) {
                    code = as(token).post(base(org) + "/reconnect").statusCode();
                } else {
                    code = as(token).delete(base(org) + "/disconnect").statusCode();
                }
                statuses.add(code);
            }));
        }
        for (Future<?> call : calls) {
            call.get();
        }
        pool.shutdown();
        // 429: past the organization's linking budget, or with four commands already pending (both rate-limited).
        assertTrue(Set.of(200, 202, 400, 429).containsAll(statuses), "unexpected answers " + statuses);

        // Let sockets of replaced clients finish closing, then count.
        JsonPath settled = SessionFlows.awaitStatus(org, s -> !"CONNECTING".equals(s.getString("state")), 10_000);
        Thread.sleep(1000);
        int after = sandbox.server().orElseThrow().openConnections();
        assertTrue(after - before <= 1, "at most one client for the organization: " + before + " → " + after);
        String state = status(org).getString("state");
        assertEquals(settled.getString("state"), state);
        assertTrue(Set.of("AWAITING_QR", "DISCONNECTED").contains(state), state);
        String stored = store.find(org).await().atMost(Duration.ofSeconds(5)).orElseThrow().record().state().name();
        assertEquals(state, stored, "the API and the database agree");
        if ("AWAITING_QR".equals(state)) {
            as(token).get(base(org) + "/qrcode").then().statusCode(200);
            assertEquals(1, after - before);
        }
    }
}
