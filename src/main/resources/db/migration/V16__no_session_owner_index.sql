-- The owner index made the planner's choice depend on fresh statistics: with stale ones (autovacuum
-- off, or not yet run after a replica took thousands of connections) every fenced session write
-- (WHERE organization_id = $1 AND owner = $2 AND epoch = $3) scanned all of the owner's rows through
-- it instead of one primary-key lookup, and the claim renewal joined its rows in a nested loop: both
-- grew with the connections a replica holds (seen: 100-180 ms per statement at 2,000). What needs
-- "all rows of an owner" (a clean stop's release) is rare enough for a sequential scan.
DROP INDEX IF EXISTS whatsapp_session_owner_idx;
