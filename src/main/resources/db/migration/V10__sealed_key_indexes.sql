-- Key rotation reads every sealed column by the key that sealed it: which keys are in use (at
-- start-up, one index probe per key), how many rows are not under the current key (the gauge,
-- two index ranges), and a batch of rows under an older key (the re-sealing job).
CREATE INDEX whatsapp_credentials_key_idx ON whatsapp_credentials (key_id);
CREATE INDEX whatsapp_session_qr_key_idx ON whatsapp_session (qr_key_id);
CREATE INDEX whatsapp_device_removal_key_idx ON whatsapp_device_removal (key_id);
CREATE INDEX whatsapp_signal_session_key_idx ON whatsapp_signal_session (key_id);
CREATE INDEX whatsapp_inbound_message_key_idx ON whatsapp_inbound_message (key_id);
CREATE INDEX whatsapp_outbound_message_key_idx ON whatsapp_outbound_message (key_id);
CREATE INDEX whatsapp_event_key_idx ON whatsapp_event (key_id);
CREATE INDEX webhook_endpoint_key_idx ON webhook_endpoint (key_id);
CREATE INDEX webhook_endpoint_previous_key_idx ON webhook_endpoint (previous_key_id);
