-- Live contacts per account, kept by statement-level triggers (one update
-- per statement, not per row): the unfiltered contact list shows its total
-- without counting a million index entries. An import batch sets
-- ujumbe.defer_contact_counts for its transaction and adds its new contacts
-- itself at the end, so the counter row is locked only while it commits.
CREATE TABLE contact_counts (
    account_id TEXT PRIMARY KEY,
    live BIGINT NOT NULL
);
INSERT INTO contact_counts (account_id, live)
    SELECT account_id, count(*) FROM contacts WHERE deleted_at IS NULL GROUP BY account_id;

CREATE FUNCTION contact_counts_add(deltas JSONB) RETURNS void LANGUAGE sql AS $$
    INSERT INTO contact_counts (account_id, live)
        SELECT key, value::BIGINT FROM jsonb_each_text(deltas)
        ON CONFLICT (account_id) DO UPDATE SET live = contact_counts.live + excluded.live;
$$;

CREATE FUNCTION contact_counts_deferred() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('ujumbe.defer_contact_counts', true), '') = 'on';
$$;

CREATE FUNCTION contact_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF contact_counts_deferred() THEN
        RETURN NULL;
    END IF;
    PERFORM contact_counts_add(COALESCE((SELECT jsonb_object_agg(account_id, n) FROM (
        SELECT account_id, count(*) AS n FROM new_rows WHERE deleted_at IS NULL
        GROUP BY account_id) AS d), '{}'));
    RETURN NULL;
END $$;

CREATE FUNCTION contact_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Import batches never change deleted_at: nothing to defer.
    IF contact_counts_deferred() THEN
        RETURN NULL;
    END IF;
    PERFORM contact_counts_add(COALESCE((SELECT jsonb_object_agg(account_id, n) FROM (
        SELECT account_id, sum(d) AS n FROM (
            SELECT account_id, 1 AS d FROM new_rows WHERE deleted_at IS NULL
            UNION ALL
            SELECT account_id, -1 FROM old_rows WHERE deleted_at IS NULL) AS moves
        GROUP BY account_id HAVING sum(d) <> 0) AS d), '{}'));
    RETURN NULL;
END $$;

CREATE FUNCTION contact_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_counts_add(COALESCE((SELECT jsonb_object_agg(account_id, -n) FROM (
        SELECT account_id, count(*) AS n FROM old_rows WHERE deleted_at IS NULL
        GROUP BY account_id) AS d), '{}'));
    RETURN NULL;
END $$;

CREATE TRIGGER contact_counts_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contact_counts_after_insert();
CREATE TRIGGER contact_counts_update AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contact_counts_after_update();
CREATE TRIGGER contact_counts_delete AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contact_counts_after_delete();
