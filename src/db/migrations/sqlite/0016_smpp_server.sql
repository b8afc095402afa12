-- The SMPP server for customers (docs/smpp-server.md).
-- Credentials an account's systems bind with. The password is sealed with
-- the server secret and shown once, when made.
CREATE TABLE smpp_accounts (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,            -- who made it; its sends count as theirs
    system_id TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,           -- sealed (secretbox), never returned
    binds TEXT NOT NULL,              -- comma list of transmitter, receiver, transceiver
    allowed_ips TEXT NOT NULL,        -- comma list of addresses and CIDR blocks; empty: any
    throughput INTEGER NOT NULL,      -- submits per second, all sessions together
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX smpp_accounts_account ON smpp_accounts (account_id, created_at);

-- Messages submitted over SMPP that asked for receipts
-- (registered_delivery: 1 every final status, 2 failures only).
CREATE TABLE smpp_messages (
    message_id TEXT PRIMARY KEY,
    smpp_account_id TEXT NOT NULL,
    receipts INTEGER NOT NULL
);

-- deliver_sm owed to an SMPP account (receipts and inbound messages), kept
-- until a bound receiver answers or they grow too old. A node leases the
-- rows it is sending.
CREATE TABLE smpp_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    smpp_account_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'inbound')),
    message TEXT NOT NULL,            -- JSON: what the deliver_sm carries
    created_at BIGINT NOT NULL,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX smpp_deliveries_account ON smpp_deliveries (smpp_account_id, id);
