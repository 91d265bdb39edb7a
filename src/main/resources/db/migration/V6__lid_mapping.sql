-- Which phone number each LID (WhatsApp's hidden user id) stands for, as an organization's
-- connection learned it (device lists, sender_pn on LID-addressed messages); written by the
-- replica that runs the connection.
CREATE TABLE whatsapp_lid_mapping (
    organization_id UUID        NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    lid_user        VARCHAR(32) NOT NULL,
    phone           VARCHAR(20) NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, lid_user)
);
