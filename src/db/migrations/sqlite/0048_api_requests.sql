-- The API request log (docs/analytics.md): one line per request answered
-- for a signed-in caller, written in batches a moment after the answer,
-- deleted once older than the server's request_log_days. The route is its
-- template; no path, query, header or body is kept.
-- Keyed by time first: pruning reads a range of the key, and no index of
-- its own is kept for it or for the id.
CREATE TABLE api_requests (
    id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    api_key_id TEXT,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_us BIGINT NOT NULL,
    ip TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (created_at, id)
) WITHOUT ROWID;
CREATE INDEX api_requests_account ON api_requests (account_id, created_at, id);
