-- Webhooks out (docs/webhooks.md).

-- The events outbox: what happened to an account's messages and objects,
-- written in the transaction that made it happen, so that no event is lost
-- between a change and its webhook. The dispatcher fans each row out to
-- webhook deliveries and deletes it, in one transaction.
CREATE TABLE event_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,                 -- the event's id, the same in every delivery of it
    account_id TEXT NOT NULL,
    type TEXT NOT NULL,               -- message.delivered, import.completed, ...
    message_id TEXT,                  -- a message's event: its data is the message, read at fan-out
    data TEXT,                        -- any other event: its data object, JSON
    created_at BIGINT NOT NULL
);

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,             -- comma list of event types, or '*'
    description TEXT,
    enabled BOOLEAN NOT NULL,
    secret TEXT NOT NULL,             -- sealed with the server secret, shown once
    previous_secret TEXT,             -- sealed; still signs until previous_until
    previous_until BIGINT,
    secret_rotated_at BIGINT,
    failing_since BIGINT,             -- first failure since the last success
    disabled_reason TEXT,             -- why it was disabled by the server
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, created_at);

-- The secret that signs an account's deliveries to messages' callback_url.
CREATE TABLE webhook_callback_secrets (
    account_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,             -- sealed
    previous_secret TEXT,
    previous_until BIGINT,
    rotated_at BIGINT NOT NULL
);

-- One event to one destination: an endpoint (webhook_id) or a message's
-- callback_url (webhook_id NULL). The body is fixed at fan-out; attempts
-- retry it until delivered or failed. A node leases what it is sending.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    webhook_id TEXT,
    target TEXT NOT NULL,             -- what concurrency is bounded by: the endpoint, or the callback's origin
    url TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    message_id TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,           -- pending ones
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    response_status INTEGER,
    latency_ms INTEGER,
    error TEXT,
    response_excerpt TEXT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (updated_at) WHERE status <> 'pending';

-- A charge that takes the balance below this (micro-units) writes a
-- wallet.low_balance event; NULL: no alert.
ALTER TABLE wallets ADD COLUMN low_balance_threshold BIGINT;
