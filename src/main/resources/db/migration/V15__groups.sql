-- Groups. A message to a group keeps the group's jid (…@g.us) where a 1:1 message keeps digits.
ALTER TABLE whatsapp_outbound_message ALTER COLUMN to_phone TYPE VARCHAR(64);
ALTER TABLE whatsapp_command ALTER COLUMN kind TYPE VARCHAR(4000);

-- Each organization's groups as WhatsApp last described them (its answer to a metadata query, then
-- the w:gp2 notifications applied): subject, description, settings, addressing mode, participants.
-- member: false once the organization left or was removed. fetched_at: when WhatsApp was last asked.
CREATE TABLE whatsapp_group (
    organization_id UUID        NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    group_jid       VARCHAR(64) NOT NULL,
    metadata        JSONB       NOT NULL,
    member          BOOLEAN     NOT NULL,
    fetched_at      TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, group_jid)
);
CREATE INDEX whatsapp_group_member_idx ON whatsapp_group (organization_id, updated_at DESC) WHERE member;

-- What a group request carried out by the replica running the connection answered (created group,
-- per-participant codes, invite code), read back by the replica that took the request; kept briefly.
CREATE TABLE whatsapp_group_request (
    id              UUID        PRIMARY KEY,
    organization_id UUID        NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    result          JSONB       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX whatsapp_group_request_age_idx ON whatsapp_group_request (created_at);

-- Delivered and read, per participant, for messages sent to a group.
CREATE TABLE whatsapp_outbound_receipt (
    message_id  UUID        NOT NULL REFERENCES whatsapp_outbound_message (id) ON DELETE CASCADE,
    participant VARCHAR(20) NOT NULL,
    status      VARCHAR(16) NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (message_id, participant, status)
);
