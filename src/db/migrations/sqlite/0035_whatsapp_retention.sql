-- Meta's stored webhook deliveries and the ids taken from them are kept for
-- a while, then purged oldest first (docs/api-whatsapp.md): by time.
CREATE INDEX whatsapp_webhook_events_received ON whatsapp_webhook_events (received_at);
CREATE INDEX whatsapp_seen_at ON whatsapp_seen (seen_at);
