package io.switchboard.session.store;

import io.smallrye.mutiny.Uni;
import io.switchboard.db.SqlTime;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** WhatsApp's answers to number checks, per organization and number as asked, with when they were given. */
@ApplicationScoped
public class ContactStore {

    /** One answer: the number as asked, whether it is on WhatsApp, WhatsApp's jid and LID for it. */
    public record Check(String input, boolean exists, String jid, String lid, Instant checkedAt) {
    }

    private final Pool pool;
    private final SessionStore bounds;

    ContactStore(Pool pool, SessionStore bounds) {
        this.pool = pool;
        this.bounds = bounds;
    }

    /** The answers for {@code inputs} given after {@code since}, by input. */
    public Uni<Map<String, Check>> fresh(UUID organizationId, List<String> inputs, Instant since) {
        return bounds.bounded(pool.preparedQuery("SELECT input, on_whatsapp, jid, lid, checked_at FROM whatsapp_contact_check"
                        + " WHERE organization_id = $1 AND input = ANY($2) AND checked_at > $3")
                .execute(Tuple.of(organizationId, inputs.toArray(new String[0]), SqlTime.of(since))).map(rows -> {
                    Map<String, Check> found = new LinkedHashMap<>();
                    for (Row row : rows) {
                        found.put(row.getString("input"), new Check(row.getString("input"), row.getBoolean("on_whatsapp"),
                                row.getString("jid"), row.getString("lid"), SqlTime.instant(row.getOffsetDateTime("checked_at"))));
                    }
                    return found;
                }));
    }

    /** Keeps WhatsApp's answers (replacing older ones). */
    public Uni<Void> keep(UUID organizationId, List<Check> checks) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Tuple> rows = new ArrayList<>();
        for (Check check : checks) {
            rows.add(Tuple.from(java.util.Arrays.asList(organizationId, check.input(), check.exists(), check.jid(), check.lid(), now)));
        }
        return bounds.bounded(pool.preparedQuery("INSERT INTO whatsapp_contact_check (organization_id, input, on_whatsapp, jid, lid,"
                + " checked_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (organization_id, input) DO UPDATE SET"
                + " on_whatsapp = $3, jid = $4, lid = $5, checked_at = $6").executeBatch(rows)).replaceWithVoid();
    }
}
