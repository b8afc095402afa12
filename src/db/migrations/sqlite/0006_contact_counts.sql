-- Live contacts per account, kept by triggers: the unfiltered contact list
-- shows its total without counting a million index entries.
CREATE TABLE contact_counts (
    account_id TEXT PRIMARY KEY,
    live INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO contact_counts (account_id, live)
    SELECT account_id, count(*) FROM contacts WHERE deleted_at IS NULL GROUP BY account_id;
CREATE TRIGGER contact_counts_insert AFTER INSERT ON contacts WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO contact_counts (account_id, live) VALUES (new.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER contact_counts_soft_delete AFTER UPDATE OF deleted_at ON contacts
    WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
    UPDATE contact_counts SET live = live + (CASE WHEN new.deleted_at IS NULL THEN 1 ELSE -1 END)
        WHERE account_id = new.account_id;
END;
CREATE TRIGGER contact_counts_delete AFTER DELETE ON contacts WHEN old.deleted_at IS NULL BEGIN
    UPDATE contact_counts SET live = live - 1 WHERE account_id = old.account_id;
END;
