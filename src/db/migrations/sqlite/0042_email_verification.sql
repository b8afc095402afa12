-- Email verification (docs/api-identity.md): a single-use token mailed on
-- registration and on an email change, stored as its SHA-256, valid for a
-- day, for the address it was mailed to. Users from before verification
-- existed count as verified. An account registered while verification is
-- required waits for its owner's (no sending, no trial credit until then).
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;
ALTER TABLE accounts ADD COLUMN awaiting_verification INTEGER NOT NULL DEFAULT 0;
CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_verifications_user ON email_verifications (user_id, used_at);
