-- Received messages of every kind: a reply's context (the quoted message's id and sender, the
-- mentioned JIDs — no content), and when the message was last edited or deleted for everyone.
-- A deleted message keeps its row (so a redelivery is still recognised) with its content removed.
ALTER TABLE whatsapp_inbound_message
    ADD COLUMN context    JSONB,
    ADD COLUMN edited_at  TIMESTAMPTZ,
    ADD COLUMN deleted_at TIMESTAMPTZ;

-- Changes to earlier messages as they arrive: reactions (the emoji, "" = removed), edits (the new and
-- the previous text) and revokes, sealed; one row per change message, so a redelivered change is
-- applied once. The reactions a message has are the latest reaction of each reactor.
CREATE TABLE whatsapp_message_change (
    organization_id UUID         NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    sender          VARCHAR(160) NOT NULL,
    change_id       VARCHAR(128) NOT NULL,
    kind            VARCHAR(16)  NOT NULL,
    target_id       VARCHAR(128) NOT NULL,
    target_from_me  BOOLEAN      NOT NULL,
    nonce           BYTEA        NOT NULL,
    ciphertext      BYTEA        NOT NULL,
    key_id          VARCHAR(16)  NOT NULL,
    changed_at      TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (organization_id, sender, change_id)
);
CREATE INDEX whatsapp_message_change_target_idx ON whatsapp_message_change (organization_id, target_id);
CREATE INDEX whatsapp_message_change_age_idx ON whatsapp_message_change (changed_at);

-- The number check: WhatsApp's answer per number as it was asked (its canonical number and LID), kept
-- for switchboard.messages.contact-check-cache; the replica running the connection asks and writes,
-- any replica reads.
CREATE TABLE whatsapp_contact_check (
    organization_id UUID         NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    input           VARCHAR(20)  NOT NULL,
    on_whatsapp     BOOLEAN      NOT NULL,
    jid             VARCHAR(160),
    lid             VARCHAR(160),
    checked_at      TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (organization_id, input)
);

-- A command may carry up to 50 numbers (CONTACT_CHECK:<digits>,<digits>,…).
ALTER TABLE whatsapp_command ALTER COLUMN kind TYPE VARCHAR(1200);

-- Sent messages that are about another one: a reply (and mentions), a reaction, an edit, a revoke —
-- the message named and the mentioned numbers (no content; the quoted text is sealed with the message).
ALTER TABLE whatsapp_outbound_message ADD COLUMN context JSONB;

-- When we told the sender we read a received message (POST …/messages/read).
ALTER TABLE whatsapp_inbound_message ADD COLUMN read_at TIMESTAMPTZ;
