package io.switchboard.session;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.createOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.switchboard.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Budgets on linking (defaults: 10 linkings and 5 pairing codes per organization, 3 codes per
 * phone number, per 10 minutes), counted in PostgreSQL by every replica; past them 429
 * {@code rate-limited} with {@code Retry-After}. Identical commands waiting in a session's lane
 * are joined: twenty parallel init-baileys start linking at most twice.
 */
@QuarkusTest
class LinkingBudgetTest {

    @Inject
    MeterRegistry metrics;

    @Inject
    Pool pool;

    private static String base(UUID org) {
        return "/api/v1/organizations/" + org + "/whatsapp";
    }

    /**
     * One init-baileys first (it starts linking and uses one of the ten); then, while the session
     * row is held in another transaction (so the first of the next inits waits in the lane), twenty
     * more in parallel: nine pass the budget and join that one command, eleven are refused with 429.
     * Released, linking starts once for the nine.
     */
    @Test
    void parallelInitsAreJoinedAndBudgeted() throws Exception {
        awaitRoomInTheWindow();
        UUID org = createOrganization("Twenty inits");
        as(Tokens.admin()).post(base(org) + "/init-baileys").then().statusCode(anyOf(is(200), is(202)));
        double linkingsBefore = count("switchboard.whatsapp.transitions", "event", "LINK_REQUESTED");
        double joinedBefore = count("switchboard.whatsapp.commands.coalesced", null, null);
        ExecutorService threads = Executors.newFixedThreadPool(20);
        List<CompletableFuture<Response>> calls = new ArrayList<>();
        SqlConnection holder = pool.getConnection().await().atMost(Duration.ofSeconds(5));
        try {
            Transaction held = holder.begin().await().atMost(Duration.ofSeconds(5));
            holder.preparedQuery("SELECT 1 FROM whatsapp_session WHERE organization_id = $1 FOR UPDATE").execute(Tuple.of(org))
                    .await().atMost(Duration.ofSeconds(5));
            for (int i = 0; i < 20; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> as(Tokens.admin()).post(base(org) + "/init-baileys"), threads));
            }
            await("eight inits joined the waiting one").atMost(Duration.ofSeconds(10))
                    .until(() -> count("switchboard.whatsapp.commands.coalesced", null, null) - joinedBefore >= 8);
            held.rollback().await().atMost(Duration.ofSeconds(5));
        } finally {
            holder.close().await().atMost(Duration.ofSeconds(5));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<Response> call : calls) {
            Response answer = call.get(30, TimeUnit.SECONDS);
            statuses.add(answer.statusCode());
            if (answer.statusCode() == 429) {
                assertEquals("rate-limited", answer.jsonPath().getString("reason"));
                assertTrue(answer.contentType().startsWith("application/problem+json"));
                int retryAfter = Integer.parseInt(answer.header("Retry-After"));
                assertTrue(retryAfter >= 1 && retryAfter <= 600, "Retry-After until the window ends: " + retryAfter);
            }
        }
        threads.shutdown();
        double linkings = count("switchboard.whatsapp.transitions", "event", "LINK_REQUESTED") - linkingsBefore;
        System.out.printf("linking budgets: 20 parallel init-baileys → %s; linking started %.0f times%n", statuses, linkings);
        assertEquals(11, statuses.stream().filter(s -> s == 429).count(), "eleven over the organization's budget: " + statuses);
        assertEquals(9, statuses.stream().filter(s -> s == 200 || s == 202).count(), statuses.toString());
        assertEquals(1.0, linkings, "nine accepted inits joined one command");
    }

    @Test
    void pairingCodesAreBudgetedPerOrganizationAndPerPhone() {
        awaitRoomInTheWindow();
        UUID org = createOrganization("Codes for many numbers");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(as(Tokens.admin()).body(Map.of("phoneNumber", randomPhone("1556"))).post(base(org) + "/pairing-code")
                    .statusCode());
        }
        assertEquals(List.of(false, false, false, false, false, true), statuses.stream().map(s -> s == 429).toList(),
                "five numbers per organization: " + statuses);

        String phone = randomPhone("1557");
        List<Integer> perPhone = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            UUID other = createOrganization("Code for one number " + i);
            perPhone.add(as(Tokens.admin()).body(Map.of("phoneNumber", phone)).post(base(other) + "/pairing-code").statusCode());
            // Asking again for the same number (a client following 202s) costs nothing.
            if (i < 3) {
                as(Tokens.admin()).body(Map.of("phoneNumber", phone)).post(base(other) + "/pairing-code").then()
                        .statusCode(anyOf(is(200), is(202)));
            }
        }
        assertEquals(List.of(false, false, false, true), perPhone.stream().map(s -> s == 429).toList(),
                "three organizations may prompt one number: " + perPhone);
    }

    /**
     * A property over random linking requests (seeded): init-baileys and pairing codes for a small
     * pool of numbers from three organizations. Every answer is 200, 202 or 429 (problem+json,
     * {@code rate-limited}, Retry-After), and what was accepted never passes a budget.
     */
    @Test
    void randomLinkingRequestsNeverPassTheBudgets() {
        awaitRoomInTheWindow();
        java.util.Random random = new java.util.Random(20261206);
        List<UUID> orgs = List.of(createOrganization("Random linking 1"), createOrganization("Random linking 2"),
                createOrganization("Random linking 3"));
        List<String> phones = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            phones.add(randomPhone("1558"));
        }
        Map<UUID, Integer> linkings = new java.util.HashMap<>();
        Map<UUID, java.util.Set<String>> codes = new java.util.HashMap<>();
        Map<String, java.util.Set<UUID>> prompted = new java.util.HashMap<>();
        int limited = 0;
        for (int i = 0; i < 60; i++) {
            UUID org = orgs.get(random.nextInt(orgs.size()));
            boolean code = random.nextBoolean();
            String phone = phones.get(random.nextInt(phones.size()));
            Response answer = code ? as(Tokens.admin()).body(Map.of("phoneNumber", phone)).post(base(org) + "/pairing-code")
                    : as(Tokens.admin()).post(base(org) + "/init-baileys");
            int status = answer.statusCode();
            String context = "request " + i + (code ? " code " + phone : " init") + " for " + org + " → " + status + " " + answer.asString();
            assertTrue(status == 200 || status == 202 || status == 429, context);
            if (status == 429) {
                limited++;
                assertEquals("rate-limited", answer.jsonPath().getString("reason"), context);
                assertTrue(answer.contentType().startsWith("application/problem+json"), context);
                assertTrue(Integer.parseInt(answer.header("Retry-After")) >= 1, context);
                continue;
            }
            boolean repeat = code && codes.getOrDefault(org, java.util.Set.of()).contains(phone);
            if (!repeat) {
                linkings.merge(org, 1, Integer::sum);
            }
            if (code) {
                codes.computeIfAbsent(org, k -> new java.util.HashSet<>()).add(phone);
                prompted.computeIfAbsent(phone, k -> new java.util.HashSet<>()).add(org);
            }
        }
        linkings.forEach((org, n) -> assertTrue(n <= 10, "linkings accepted for " + org + ": " + n));
        codes.forEach((org, numbers) -> assertTrue(numbers.size() <= 5, "numbers prompted for " + org + ": " + numbers.size()));
        prompted.forEach((phone, by) -> assertTrue(by.size() <= 3, phone + " prompted by " + by.size() + " organizations"));
        assertTrue(limited > 0, "60 requests from three organizations reach a budget");
        System.out.printf("linking budgets: 60 random requests, %d refused with 429%n", limited);
    }

    private double count(String name, String tag, String value) {
        var search = metrics.find(name);
        var counter = (tag == null ? search : search.tag(tag, value)).counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * Budgets count per fixed window of the database's clock (10 minutes, aligned): a test that
     * straddled a window's end would see two budgets. Starts with at least 45 s of the window left.
     */
    private void awaitRoomInTheWindow() {
        await("45 s left in the budget window").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> pool.query("SELECT 600 - floor(extract(epoch FROM now()))::bigint % 600 AS left").execute()
                        .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong("left") >= 45);
    }
}
