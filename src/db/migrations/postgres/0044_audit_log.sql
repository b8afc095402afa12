-- The audit log (docs/audit-log.md): append-only; no statement of the
-- server updates or deletes a row. Who (user, API key, or the email a
-- sign-in named), in which account, did what to which object, with the
-- fields that changed (secrets redacted), from where, when.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    account_id TEXT,
    actor_user_id TEXT,
    actor_api_key_id TEXT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT,
    status INTEGER NOT NULL,
    error_code TEXT,
    changes TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_account ON audit_log (account_id, created_at);
CREATE INDEX audit_log_time ON audit_log (created_at);
