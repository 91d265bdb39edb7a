-- Readers follow commit order. whatsapp_event.seq comes from a sequence at INSERT, so an event
-- whose transaction commits late can carry a smaller number than one already read, and a cursor
-- over seq skips it for good. Each organization gets a counter row that every event write
-- increments in its own transaction: the row lock makes the next writer of that organization wait
-- for the commit, so per organization the positions are gap-free and in commit order. Streams
-- (Last-Event-ID) and the webhook per-conversation order read positions; seq stays the row's key.
CREATE TABLE whatsapp_event_counter (
    organization_id UUID   PRIMARY KEY REFERENCES organization (id) ON DELETE CASCADE,
    last_position   BIGINT NOT NULL
);

ALTER TABLE whatsapp_event ADD COLUMN position BIGINT;
-- Existing events keep their numbers as positions, so a stream resumed with an id given before
-- this change goes on where it was.
UPDATE whatsapp_event SET position = seq;
ALTER TABLE whatsapp_event ALTER COLUMN position SET NOT NULL;
INSERT INTO whatsapp_event_counter (organization_id, last_position)
    SELECT organization_id, max(seq) FROM whatsapp_event GROUP BY organization_id;
DROP INDEX whatsapp_event_org_idx;
CREATE UNIQUE INDEX whatsapp_event_position_idx ON whatsapp_event (organization_id, position);

ALTER TABLE webhook_delivery ADD COLUMN event_position BIGINT;
UPDATE webhook_delivery SET event_position = event_seq;
ALTER TABLE webhook_delivery ALTER COLUMN event_position SET NOT NULL;
DROP INDEX webhook_delivery_order_idx;
CREATE INDEX webhook_delivery_order_idx ON webhook_delivery (endpoint_id, conversation, event_position)
    WHERE status IN ('pending', 'delivering');
