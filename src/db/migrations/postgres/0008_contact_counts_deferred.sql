-- An import batch sets ujumbe.defer_contact_counts for its transaction and
-- adds its new contacts to contact_counts itself, at the end: the counter
-- row is then locked only while the batch commits, not for all its work.
CREATE OR REPLACE FUNCTION contact_counts_deferred() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('ujumbe.defer_contact_counts', true), '') = 'on';
$$;

CREATE OR REPLACE FUNCTION contact_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF contact_counts_deferred() THEN
        RETURN NULL;
    END IF;
    PERFORM contact_counts_add(COALESCE((SELECT jsonb_object_agg(account_id, n) FROM (
        SELECT account_id, count(*) AS n FROM new_rows WHERE deleted_at IS NULL
        GROUP BY account_id) AS d), '{}'));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION contact_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
