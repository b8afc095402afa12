-- Idempotency-Key records belong to the caller who made the request (a user
-- session or an API key), not to the whole account, and keep their answers
-- sealed with the server secret (they may carry a new API key or tokens).
-- Records are a 24-hour cache: the old ones are dropped, not converted.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    principal TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
    status INTEGER,
    content_type TEXT,
    sealed_body TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, principal, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
