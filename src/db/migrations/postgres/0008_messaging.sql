-- Messaging: gateways and routing rules (platform-wide), sender ids, messages
-- with their parts (one per SMS segment sent), the send queue with leases,
-- received delivery receipts, the events outbox and per-day send counters.

CREATE TABLE gateways (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('smpp', 'sandbox')),
    settings TEXT NOT NULL,            -- JSON, without secrets
    secrets TEXT NOT NULL DEFAULT '',  -- sealed JSON (secretbox), never returned
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE routes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    priority INTEGER NOT NULL,
    channel TEXT NOT NULL,
    prefix TEXT NOT NULL DEFAULT '',   -- E.164 digits without '+', '' matches all
    country TEXT NOT NULL DEFAULT '',
    account_id TEXT,
    sender TEXT,
    gateways TEXT NOT NULL,            -- JSON [{"gateway_id", "weight"}]
    failover TEXT NOT NULL,            -- JSON [gateway_id, ...]
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sender_ids (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('alphanumeric', 'numeric')),
    country TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    purpose TEXT NOT NULL DEFAULT '',
    reason TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, sender, country)
);
CREATE INDEX sender_ids_status ON sender_ids (status, created_at);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_id TEXT,
    api_key_id TEXT,
    direction TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    channel TEXT NOT NULL,
    to_number TEXT NOT NULL,
    sender TEXT NOT NULL,
    body TEXT NOT NULL,
    encoding TEXT NOT NULL,
    segments INTEGER NOT NULL,
    status TEXT NOT NULL,
    transactional BOOLEAN NOT NULL DEFAULT FALSE,
    client_ref TEXT,
    callback_url TEXT,
    send_at BIGINT,
    gateway_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT,
    done_at BIGINT
);
-- No index names a column the pipeline updates (status, times, attempts):
-- on PostgreSQL those updates then stay on their page (HOT) and touch no
-- index. Status filters read the account's rows by time.
CREATE INDEX messages_account ON messages (account_id, created_at);
-- Room on each page for the new versions of its rows' status updates.
ALTER TABLE messages SET (fillfactor = 70);
CREATE INDEX messages_to ON messages (account_id, to_number, created_at);
CREATE INDEX messages_client_ref ON messages (account_id, client_ref) WHERE client_ref IS NOT NULL;

-- One row per SMS part handed to a gateway; receipts match on
-- (gateway_id, provider_key), the provider id in canonical decimal form.
CREATE TABLE message_parts (
    message_id TEXT NOT NULL,
    part INTEGER NOT NULL,
    gateway_id TEXT NOT NULL,
    provider_id TEXT,
    provider_key TEXT,
    status TEXT NOT NULL,
    error_code TEXT,
    submitted_at BIGINT,
    done_at BIGINT,
    PRIMARY KEY (message_id, part)
) WITH (fillfactor = 80);
CREATE INDEX message_parts_provider ON message_parts (gateway_id, provider_key);

-- Due messages. A dispatcher claims rows by setting a lease; a lease that
-- runs out (its node died) makes the row claimable again.
CREATE TABLE message_queue (
    message_id TEXT PRIMARY KEY,
    due_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0
) WITH (fillfactor = 70);
CREATE INDEX message_queue_due ON message_queue (due_at);

CREATE TABLE message_receipts (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    part INTEGER NOT NULL,
    gateway_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    stat TEXT NOT NULL,
    error_code TEXT,
    submit_date TEXT,
    done_date TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX message_receipts_message ON message_receipts (message_id, received_at);

-- Every status change and inbound message, written in the transaction that
-- makes the change: the status history and the outbox webhooks read.
CREATE TABLE message_events (
    seq BIGSERIAL PRIMARY KEY,
    account_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX message_events_message ON message_events (message_id, seq);

-- Messages accepted per UTC day, per account (user_id '') and per user.
CREATE TABLE message_day_counts (
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    sent BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id, day)
);

-- Parts of concatenated inbound messages waiting for their siblings.
CREATE TABLE inbound_fragments (
    gateway_id TEXT NOT NULL,
    source TEXT NOT NULL,
    reference INTEGER NOT NULL,
    total INTEGER NOT NULL,
    part INTEGER NOT NULL,
    destination TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (gateway_id, source, reference, part)
);
