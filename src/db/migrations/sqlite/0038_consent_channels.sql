-- Consent per channel (decision 0039): the channels a contact opted out of
-- one by one ("sms,whatsapp"); an opt-out of all channels stays
-- is_opted_in = false with opt_out_at set. And each account's inbound
-- keywords (STOP, START, its own), with their scope and reply.
ALTER TABLE contacts ADD COLUMN opted_out_channels TEXT NOT NULL DEFAULT '';
CREATE TABLE consent_keywords (
    account_id TEXT PRIMARY KEY,
    keywords TEXT NOT NULL,          -- JSON: [{keyword, action, scope, reply}]
    updated_by TEXT,
    updated_at BIGINT NOT NULL
);
