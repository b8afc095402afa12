-- How long an account keeps its messages (decision 0029): bodies are
-- blanked after body_days, whole messages (with their parts, receipts and
-- events) deleted after message_days; NULL keeps them, unless the server
-- sets a default. The ledger is never touched. bodies_redacted_before is
-- how far redaction has come, so that each pass starts where the last one
-- stopped instead of walking every message already blanked.
CREATE TABLE message_retention (
    account_id TEXT PRIMARY KEY,
    body_days INTEGER CHECK (body_days > 0),
    message_days INTEGER CHECK (message_days > 0),
    bodies_redacted_before BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);
