-- Budgets shared by every replica: how many times a scope (an organization's linkings, the
-- pairing codes one phone number was sent) was used in a fixed window. A use that would pass the
-- limit changes nothing and is refused (429 rate-limited). Windows older than a day are deleted.
CREATE TABLE rate_budget (
    scope        VARCHAR(96)  NOT NULL,
    window_start TIMESTAMPTZ  NOT NULL,
    used         INTEGER      NOT NULL,
    PRIMARY KEY (scope, window_start)
);
