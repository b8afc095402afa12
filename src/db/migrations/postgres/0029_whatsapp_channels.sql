-- An account's WhatsApp Cloud API channel (docs/api-whatsapp.md, decision
-- 0034): one per account, kept when disconnected (its secrets wiped) so its
-- webhook URL stays the same when it is connected again.
CREATE TABLE whatsapp_channels (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE,
    phone_number_id TEXT NOT NULL,
    business_account_id TEXT NOT NULL,
    status TEXT NOT NULL,                -- connected | error | disconnected
    secrets TEXT NOT NULL DEFAULT '',    -- sealed JSON (access_token, app_secret, verify_token)
    display_phone_number TEXT NOT NULL DEFAULT '',
    verified_name TEXT NOT NULL DEFAULT '',
    quality_rating TEXT NOT NULL DEFAULT '',
    messaging_limit TEXT NOT NULL DEFAULT '',
    last_error TEXT,                     -- why the last check failed
    connected_at BIGINT,
    checked_at BIGINT,
    disconnected_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- A business number belongs to one account while it is connected.
CREATE UNIQUE INDEX whatsapp_channels_number ON whatsapp_channels (phone_number_id)
    WHERE status <> 'disconnected';

-- Webhook deliveries from Meta as they came (signature checked), stored
-- before they are answered and processed after.
CREATE TABLE whatsapp_webhook_events (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    processed_at BIGINT
);
CREATE INDEX whatsapp_webhook_events_channel ON whatsapp_webhook_events (channel_id, received_at);
CREATE INDEX whatsapp_webhook_events_waiting ON whatsapp_webhook_events (received_at)
    WHERE processed_at IS NULL;
