-- Billing: one wallet per account and currency, an append-only ledger,
-- rate cards (the platform's base card and the sell cards parents set for
-- their children), and each message's price and cost.

CREATE TABLE wallets (
    account_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance BIGINT NOT NULL DEFAULT 0,       -- micro-units
    credit_limit BIGINT NOT NULL DEFAULT 0,  -- how far below zero it may go
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, currency)
);

-- Never updated or deleted: every movement of money, with the balance after it.
CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('topup', 'charge', 'refund', 'transfer_in',
                                       'transfer_out', 'adjustment', 'trial')),
    amount BIGINT NOT NULL,         -- signed micro-units
    balance_after BIGINT NOT NULL,
    reference TEXT,
    description TEXT NOT NULL DEFAULT '',
    actor_id TEXT,
    message_id TEXT,
    counterparty_id TEXT,
    channel TEXT,                   -- charges and refunds: the message's channel
    country TEXT,                   -- and destination country (statements)
    created_at BIGINT NOT NULL
);
CREATE INDEX ledger_account ON ledger_entries (account_id, created_at);
CREATE INDEX ledger_message ON ledger_entries (message_id) WHERE message_id IS NOT NULL;
-- A reference names one top-up or transfer per account: a retry finds it.
CREATE UNIQUE INDEX ledger_reference ON ledger_entries (account_id, type, reference)
    WHERE reference IS NOT NULL;
-- A message is refunded at most once per account.
CREATE UNIQUE INDEX ledger_refund_once ON ledger_entries (account_id, message_id)
    WHERE type = 'refund';

-- account_id NULL: the platform's base card (what sending costs). Otherwise
-- the price the account pays, set by its parent: an explicit price, or a
-- markup (parts per million) over the parent's own price.
CREATE TABLE rates (
    id TEXT PRIMARY KEY,
    account_id TEXT,
    channel TEXT NOT NULL,
    prefix TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    price BIGINT,
    markup_ppm BIGINT,
    gateway_id TEXT,  -- base card only: the cost through this gateway
    currency TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX rates_account ON rates (account_id, channel, prefix);

ALTER TABLE messages ADD COLUMN currency TEXT;
ALTER TABLE messages ADD COLUMN price BIGINT;  -- what the account paid (micro-units)
ALTER TABLE messages ADD COLUMN cost BIGINT;   -- the base card's price of it
