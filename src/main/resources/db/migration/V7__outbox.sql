-- Texts organizations asked to send: stored before anything goes out (the outbox), sent by the
-- replica that runs the connection, with the WhatsApp message id chosen up front so a send that
-- may have happened before a crash goes out again under the same id (recipients keep one).
CREATE TABLE whatsapp_outbound_message (
    id              UUID         PRIMARY KEY,
    organization_id UUID         NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    idempotency_key VARCHAR(255),
    request_hash    VARCHAR(64)  NOT NULL,
    to_phone        VARCHAR(20)  NOT NULL,
    whatsapp_id     VARCHAR(64)  NOT NULL,
    nonce           BYTEA        NOT NULL,
    ciphertext      BYTEA        NOT NULL,
    key_id          VARCHAR(16)  NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    reason          VARCHAR(64),
    detail          VARCHAR(500),
    attempts        INT          NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ  NOT NULL,
    updated_at      TIMESTAMPTZ  NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE UNIQUE INDEX whatsapp_outbound_key_idx ON whatsapp_outbound_message (organization_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX whatsapp_outbound_pending_idx ON whatsapp_outbound_message (organization_id, created_at)
    WHERE status IN ('queued', 'sending');
CREATE INDEX whatsapp_outbound_whatsapp_id_idx ON whatsapp_outbound_message (organization_id, whatsapp_id);
CREATE INDEX whatsapp_outbound_page_idx ON whatsapp_outbound_message (organization_id, created_at DESC, id DESC);

-- Each status a message reached, once, with when and why.
CREATE TABLE whatsapp_outbound_status (
    message_id UUID        NOT NULL REFERENCES whatsapp_outbound_message (id) ON DELETE CASCADE,
    status     VARCHAR(16) NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    detail     VARCHAR(500),
    PRIMARY KEY (message_id, status)
);

CREATE INDEX whatsapp_inbound_message_page_idx ON whatsapp_inbound_message (organization_id, received_at DESC, message_id DESC);
