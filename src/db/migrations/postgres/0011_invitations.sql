-- Invitations to join an account: only their acceptance creates a
-- membership. The token is stored only as its SHA-256 hash.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    email TEXT NOT NULL,
    name TEXT,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    max_messages_per_day BIGINT,
    invited_by TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX invitations_account ON invitations (account_id, status, created_at);
CREATE INDEX invitations_email ON invitations (email, status);

-- The client address a self-registered account came from, so the platform
-- admin sees how many accounts (and trial credits) one address collects.
ALTER TABLE accounts ADD COLUMN registered_ip TEXT;
CREATE INDEX accounts_registered_ip ON accounts (registered_ip, created_at);
