-- An account's WhatsApp message templates (decision 0036): submitted to Meta
-- for review with the channel's credentials, sendable once APPROVED; Meta's
-- verdicts come through the channel's webhook.
CREATE TABLE whatsapp_templates (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    meta_id TEXT,                       -- Meta's id of the template
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    category TEXT NOT NULL,             -- MARKETING | UTILITY | AUTHENTICATION
    components TEXT NOT NULL,           -- JSON, as submitted
    body_text TEXT NOT NULL,            -- the body with its {{n}}, for rendering sends
    header_parameters INTEGER NOT NULL, -- what a send must give
    body_parameters INTEGER NOT NULL,
    status TEXT NOT NULL,               -- PENDING | APPROVED | REJECTED | PAUSED | DISABLED | ...
    reason TEXT,                        -- why Meta rejected, paused or disabled it
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, name, language)
);
CREATE INDEX whatsapp_templates_meta ON whatsapp_templates (meta_id);
