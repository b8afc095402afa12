-- Reports asked for as files (docs/analytics.md, "Reports"): a job each,
-- run in the background by any node (claimed with a lease), its file kept
-- here (base64url) until it expires. The requester's role and account type
-- are kept so the job builds the report the requester was allowed.
CREATE TABLE report_exports (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    account_type TEXT NOT NULL,
    report TEXT NOT NULL,             -- dlr | usage | revenue
    format TEXT NOT NULL,             -- json | csv | pdf
    first_day BIGINT NOT NULL,        -- UTC days since 1970-01-01, both included
    last_day BIGINT NOT NULL,
    group_by TEXT NOT NULL,           -- usage: day | user | channel
    channel TEXT,                     -- dlr: one channel, or NULL for all
    status TEXT NOT NULL,             -- queued | running | completed | failed
    error TEXT,
    attempts INTEGER NOT NULL,
    lease_until BIGINT NOT NULL,      -- running: another node may take it after this
    content_type TEXT,
    filename TEXT,
    size_bytes BIGINT,
    body TEXT,                        -- the file, base64url
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX report_exports_account ON report_exports (account_id, created_at, id);
CREATE INDEX report_exports_due ON report_exports (status, lease_until);
CREATE INDEX report_exports_expiry ON report_exports (expires_at);
