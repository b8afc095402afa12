-- A mail's unsubscribe link is a source of consent changes. SQLite cannot
-- change a CHECK: the table is rebuilt (nothing refers to it by foreign
-- key).
CREATE TABLE contact_consents_new (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    action TEXT NOT NULL CHECK (action IN ('opt_in', 'opt_out')),
    channel TEXT NOT NULL,
    source TEXT NOT NULL
        CHECK (source IN ('api', 'import', 'keyword', 'campaign', 'unsubscribe')),
    reason TEXT,
    actor_id TEXT,
    created_at BIGINT NOT NULL
);
INSERT INTO contact_consents_new (id, account_id, contact_id, action, channel, source, reason,
                                  actor_id, created_at)
    SELECT id, account_id, contact_id, action, channel, source, reason, actor_id, created_at
    FROM contact_consents;
DROP TABLE contact_consents;
ALTER TABLE contact_consents_new RENAME TO contact_consents;
CREATE INDEX contact_consents_contact ON contact_consents (contact_id, created_at);
