-- Processing Meta's stored webhook deliveries (decision 0034).
-- What processing made of a delivery: counts per kind of item.
ALTER TABLE whatsapp_webhook_events ADD COLUMN outcome TEXT;

-- What was already taken from a delivery, by Meta's id: an inbound message
-- ('message', with the message it became) or a status ('sent', 'read', ...).
-- Meta delivers at least once; a second delivery finds its row here.
CREATE TABLE whatsapp_seen (
    channel_id TEXT NOT NULL,
    wamid TEXT NOT NULL,
    what TEXT NOT NULL,
    message_id TEXT,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, wamid, what)
);

-- The customer-service window: the last message each customer sent the
-- channel (PROTOCOLS.md 3.7).
CREATE TABLE whatsapp_windows (
    channel_id TEXT NOT NULL,
    wa_id TEXT NOT NULL,
    last_inbound_at BIGINT NOT NULL,
    PRIMARY KEY (channel_id, wa_id)
);
