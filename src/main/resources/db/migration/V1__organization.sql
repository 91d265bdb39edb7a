CREATE TABLE organization (
    id         UUID PRIMARY KEY,
    name       VARCHAR(200) NOT NULL CHECK (length(btrim(name)) > 0),
    created_at TIMESTAMPTZ  NOT NULL,
    updated_at TIMESTAMPTZ  NOT NULL
);

CREATE INDEX organization_created_at_idx ON organization (created_at, id);
