-- Media to send: the file, already encrypted under its WhatsApp media key (AES-CBC and the 10-byte
-- MAC, exactly the blob a media host receives), kept in chunks before the message is accepted.
-- The media key itself is sealed with the message's content (whatsapp_outbound_message.ciphertext),
-- so the chunks are unreadable without the at-rest key. A blob no message refers to an hour after it
-- was staged (a request that failed or a replica killed before its enqueue) is removed by the sweep.
CREATE TABLE whatsapp_media_blob (
    id              UUID        PRIMARY KEY,
    organization_id UUID        NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    blob_length     BIGINT      NOT NULL,
    chunks          INT         NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX whatsapp_media_blob_age_idx ON whatsapp_media_blob (created_at);

CREATE TABLE whatsapp_media_chunk (
    blob_id UUID  NOT NULL REFERENCES whatsapp_media_blob (id) ON DELETE CASCADE,
    seq     INT   NOT NULL,
    bytes   BYTEA NOT NULL,
    PRIMARY KEY (blob_id, seq)
);

-- A message is a text or a file of one kind. media: what is not secret about the file (mimetype,
-- sizes, both hashes, dimensions, seconds); the upload's result once a media host took it, so a
-- send retried after a crash reuses that upload.
ALTER TABLE whatsapp_outbound_message
    ADD COLUMN kind              VARCHAR(16) NOT NULL DEFAULT 'text',
    ADD COLUMN media             JSONB,
    ADD COLUMN media_blob_id     UUID REFERENCES whatsapp_media_blob (id) ON DELETE SET NULL,
    ADD COLUMN media_url         TEXT,
    ADD COLUMN media_direct_path TEXT,
    ADD COLUMN media_uploaded_at TIMESTAMPTZ;
CREATE INDEX whatsapp_outbound_media_blob_idx ON whatsapp_outbound_message (media_blob_id) WHERE media_blob_id IS NOT NULL;

-- A received message is a text or a file; for a file, media holds what is not secret (mimetype,
-- size, dimensions, seconds, its SHA-256) and the sealed part (ciphertext) its reference: the media
-- key, where the file is (url, direct path), both hashes, caption, file name and thumbnail.
ALTER TABLE whatsapp_inbound_message
    ADD COLUMN kind  VARCHAR(16) NOT NULL DEFAULT 'text',
    ADD COLUMN media JSONB;
