-- Signal sessions with other devices, one record per remote address (user.device), sealed like
-- the credentials; written only by the replica that runs the connection (fenced by the caller).
CREATE TABLE whatsapp_signal_session (
    organization_id UUID         NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    address         VARCHAR(160) NOT NULL,
    nonce           BYTEA        NOT NULL,
    ciphertext      BYTEA        NOT NULL,
    key_id          VARCHAR(16)  NOT NULL,
    updated_at      TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (organization_id, address)
);

-- Messages received, stored (text sealed) in the same transaction as the session update that
-- decrypted them, before WhatsApp is acknowledged; a redelivery is recognised by its key.
CREATE TABLE whatsapp_inbound_message (
    organization_id UUID         NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    sender          VARCHAR(160) NOT NULL,
    message_id      VARCHAR(128) NOT NULL,
    chat            VARCHAR(160) NOT NULL,
    nonce           BYTEA        NOT NULL,
    ciphertext      BYTEA        NOT NULL,
    key_id          VARCHAR(16)  NOT NULL,
    sent_at         TIMESTAMPTZ,
    received_at     TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (organization_id, sender, message_id)
);
CREATE INDEX whatsapp_inbound_message_received_idx ON whatsapp_inbound_message (organization_id, received_at);
