-- Events of an organization (session state changes, QR codes, messages received, message
-- statuses), written in the same transaction as the change they report; the payload is sealed
-- like the credentials (it may hold a text or a QR).
CREATE TABLE whatsapp_event (
    seq             BIGSERIAL    PRIMARY KEY,
    id              UUID         NOT NULL UNIQUE,
    organization_id UUID         NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    type            VARCHAR(32)  NOT NULL,
    conversation    VARCHAR(64),
    nonce           BYTEA        NOT NULL,
    ciphertext      BYTEA        NOT NULL,
    key_id          VARCHAR(16)  NOT NULL,
    created_at      TIMESTAMPTZ  NOT NULL
);
CREATE INDEX whatsapp_event_org_idx ON whatsapp_event (organization_id, seq);

-- Where an organization wants its events: a URL, the event types, a signing secret (sealed) and,
-- while a rotation overlaps, the previous one.
CREATE TABLE webhook_endpoint (
    id                    UUID          PRIMARY KEY,
    organization_id       UUID          NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    url                   VARCHAR(2048) NOT NULL,
    events                VARCHAR(32)[] NOT NULL,
    nonce                 BYTEA         NOT NULL,
    ciphertext            BYTEA         NOT NULL,
    key_id                VARCHAR(16)   NOT NULL,
    previous_nonce        BYTEA,
    previous_ciphertext   BYTEA,
    previous_key_id       VARCHAR(16),
    previous_valid_until  TIMESTAMPTZ,
    created_at            TIMESTAMPTZ   NOT NULL
);
CREATE INDEX webhook_endpoint_org_idx ON webhook_endpoint (organization_id);

-- One event for one endpoint: written with the event (the outbox), delivered at least once.
CREATE TABLE webhook_delivery (
    id               UUID         PRIMARY KEY,
    endpoint_id      UUID         NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
    event_seq        BIGINT       NOT NULL REFERENCES whatsapp_event (seq) ON DELETE CASCADE,
    organization_id  UUID         NOT NULL,
    conversation     VARCHAR(64),
    status           VARCHAR(16)  NOT NULL,
    attempts         INT          NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ  NOT NULL,
    claimed_by       VARCHAR(64),
    claimed_until    TIMESTAMPTZ,
    created_at       TIMESTAMPTZ  NOT NULL,
    updated_at       TIMESTAMPTZ  NOT NULL
);
CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at) WHERE status IN ('pending', 'delivering');
CREATE INDEX webhook_delivery_order_idx ON webhook_delivery (endpoint_id, conversation, event_seq)
    WHERE status IN ('pending', 'delivering');
CREATE INDEX webhook_delivery_event_idx ON webhook_delivery (organization_id, event_seq);

-- Each attempt: when, the answer's status code (null when none came), how long it took, what
-- went wrong, and at most 1 KB of the response body.
CREATE TABLE webhook_attempt (
    delivery_id  UUID         NOT NULL REFERENCES webhook_delivery (id) ON DELETE CASCADE,
    n            INT          NOT NULL,
    at           TIMESTAMPTZ  NOT NULL,
    status_code  INT,
    latency_ms   BIGINT       NOT NULL,
    error        VARCHAR(500),
    response     VARCHAR(1024),
    PRIMARY KEY (delivery_id, n)
);
