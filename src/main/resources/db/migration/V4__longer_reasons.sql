-- A refused WhatsApp Web version is explained in full (version, where the current one was read, why that failed).
ALTER TABLE whatsapp_session ALTER COLUMN last_disconnect_reason TYPE VARCHAR(512);
ALTER TABLE whatsapp_session_transition ALTER COLUMN reason TYPE VARCHAR(512);
