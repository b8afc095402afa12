-- Password resets (docs/api-identity.md): a single-use token mailed to the
-- user, stored as its SHA-256, valid for an hour.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id, used_at);
