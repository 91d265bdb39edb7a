-- Several replicas share these tables. See README "Several replicas".

-- Fencing token: bumped by every claim, checked by every write about the connection.
ALTER TABLE whatsapp_session ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;
-- The QR code being shown, readable by every replica; it holds the advertising secret, so it is
-- sealed like the credentials. Cleared as soon as linking ends.
ALTER TABLE whatsapp_session ADD COLUMN qr_nonce BYTEA;
ALTER TABLE whatsapp_session ADD COLUMN qr_ciphertext BYTEA;
ALTER TABLE whatsapp_session ADD COLUMN qr_key_id VARCHAR(16);
ALTER TABLE whatsapp_session ADD COLUMN qr_expires_at TIMESTAMPTZ;
CREATE INDEX whatsapp_session_owner_idx ON whatsapp_session (owner);

-- Every replica hears about a changed session at once (QR shown, state changed, owner released, row deleted).
CREATE FUNCTION whatsapp_session_changed() RETURNS trigger AS $$
BEGIN
    -- Payload "organization|owner|epoch|state" ("DELETED" when the row went): enough for an owner
    -- to see it was fenced off and for the others to see a connection waiting for adoption.
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('switchboard_session', OLD.organization_id::text || '||' || OLD.epoch::text || '|DELETED');
    ELSE
        PERFORM pg_notify('switchboard_session', NEW.organization_id::text || '|' || COALESCE(NEW.owner, '') || '|'
            || NEW.epoch::text || '|' || NEW.state);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER whatsapp_session_changed
    AFTER INSERT OR DELETE OR UPDATE OF state, qr_nonce, owner, epoch ON whatsapp_session
    FOR EACH ROW EXECUTE FUNCTION whatsapp_session_changed();

-- Commands (init, reconnect, disconnect, forget) sent to a replica that does not run the
-- connection, carried out by the one that does.
CREATE TABLE whatsapp_command (
    id              UUID PRIMARY KEY,
    organization_id UUID         NOT NULL,
    kind            VARCHAR(32)  NOT NULL,
    target_owner    VARCHAR(64)  NOT NULL,
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now(),
    picked_at       TIMESTAMPTZ,
    done_at         TIMESTAMPTZ,
    error_reason    VARCHAR(64),
    error_message   VARCHAR(512)
);
CREATE INDEX whatsapp_command_target_idx ON whatsapp_command (target_owner) WHERE picked_at IS NULL;

-- Linked devices that were forgotten here and that WhatsApp must still be told about
-- (remove-companion-device). No foreign key: a removal outlives its deleted organization.
CREATE TABLE whatsapp_device_removal (
    id              BIGSERIAL PRIMARY KEY,
    organization_id UUID         NOT NULL,
    nonce           BYTEA        NOT NULL,
    ciphertext      BYTEA        NOT NULL,
    key_id          VARCHAR(16)  NOT NULL,
    attempts        INTEGER      NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    claimed_by      VARCHAR(64),
    claimed_until   TIMESTAMPTZ,
    last_error      VARCHAR(256),
    created_at      TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- Whatever deletes stored credentials (disconnect, re-link, organization deleted, any future
-- path) queues the device for removal, unless the transaction says WhatsApp already knows
-- (SET LOCAL switchboard.device_unlinked = 'on': logged out just before, or WhatsApp logged us out).
CREATE FUNCTION whatsapp_credentials_forgotten() RETURNS trigger AS $$
BEGIN
    IF COALESCE(current_setting('switchboard.device_unlinked', true), '') <> 'on' THEN
        INSERT INTO whatsapp_device_removal (organization_id, nonce, ciphertext, key_id)
            VALUES (OLD.organization_id, OLD.nonce, OLD.ciphertext, OLD.key_id);
        PERFORM pg_notify('switchboard_unlink', OLD.organization_id::text);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER whatsapp_credentials_forgotten
    AFTER DELETE ON whatsapp_credentials
    FOR EACH ROW EXECUTE FUNCTION whatsapp_credentials_forgotten();
