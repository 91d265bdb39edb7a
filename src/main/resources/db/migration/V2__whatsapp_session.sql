-- One WhatsApp session per organization: its current state and what the dashboard shows.
CREATE TABLE whatsapp_session (
    organization_id        UUID PRIMARY KEY REFERENCES organization (id) ON DELETE CASCADE,
    state                  VARCHAR(32)  NOT NULL,
    jid                    VARCHAR(128),
    phone_number           VARCHAR(32),
    last_disconnect_code   INTEGER,
    last_disconnect_reason VARCHAR(64),
    last_disconnect_at     TIMESTAMPTZ,
    reconnect_attempts     INTEGER      NOT NULL DEFAULT 0,
    next_retry_at          TIMESTAMPTZ,
    -- Which replica owns the live connection, and until when its lease holds.
    owner                  VARCHAR(64),
    lease_until            TIMESTAMPTZ,
    updated_at             TIMESTAMPTZ  NOT NULL
);

-- Every state transition, in order: the session's history for operators and tests.
CREATE TABLE whatsapp_session_transition (
    id              BIGSERIAL PRIMARY KEY,
    organization_id UUID        NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    from_state      VARCHAR(32) NOT NULL,
    to_state        VARCHAR(32) NOT NULL,
    event           VARCHAR(64) NOT NULL,
    reason          VARCHAR(256),
    code            INTEGER,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX whatsapp_session_transition_org_idx ON whatsapp_session_transition (organization_id, id);

-- The device's credentials, AES-256-GCM encrypted under switchboard.credentials.key.
CREATE TABLE whatsapp_credentials (
    organization_id UUID PRIMARY KEY REFERENCES organization (id) ON DELETE CASCADE,
    nonce           BYTEA       NOT NULL,
    ciphertext      BYTEA       NOT NULL,
    key_id          VARCHAR(16) NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
