-- switchboard.media.keep-received: a copy of a received file, as its media host served it (encrypted
-- under the sender's media key, which is sealed with the message), so it can be downloaded after
-- WhatsApp forgot it. The copy goes with its message (retention), swept as an unreferenced blob.
ALTER TABLE whatsapp_inbound_message
    ADD COLUMN media_blob_id UUID REFERENCES whatsapp_media_blob (id) ON DELETE SET NULL;
CREATE INDEX whatsapp_inbound_media_blob_idx ON whatsapp_inbound_message (media_blob_id) WHERE media_blob_id IS NOT NULL;

-- A command may carry a message id now (MEDIA_RETRY:<id>, ids up to 64 characters).
ALTER TABLE whatsapp_command ALTER COLUMN kind TYPE VARCHAR(96);
