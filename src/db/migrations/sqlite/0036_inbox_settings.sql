-- An account's inbox settings (docs/api-conversations.md): what agents see,
-- every conversation or only theirs and the unassigned ones.
CREATE TABLE inbox_settings (
    account_id TEXT PRIMARY KEY,
    agents_see TEXT NOT NULL CHECK (agents_see IN ('all', 'assigned')),
    updated_at BIGINT NOT NULL
);
