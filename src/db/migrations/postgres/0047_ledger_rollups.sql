-- Ledger totals per account, UTC day, currency, entry type, channel,
-- country and actor (the user who caused the entry) (docs/analytics.md). A statement trigger adds each statement's
-- entries in its transaction (entries are never changed or deleted), so
-- spend by day, channel and country is read without adding up every
-- charge. Every writer of an account's entries holds its wallet's row
-- lock, so the account's totals add no waiting of their own. Amounts are
-- kept as two sums, of whole units and of the micro-units left over, that
-- no number of entries can overflow.
CREATE TABLE ledger_rollups (
    account_id TEXT NOT NULL,
    day BIGINT NOT NULL,              -- days since 1970-01-01 (UTC) of created_at
    currency TEXT NOT NULL,
    type TEXT NOT NULL,
    channel TEXT NOT NULL,            -- '' for entries of no message
    country TEXT NOT NULL,            -- ''
    actor_id TEXT NOT NULL,           -- '' for entries of no user
    entries BIGINT NOT NULL,
    units BIGINT NOT NULL,            -- sum of amount / 1000000
    micros BIGINT NOT NULL,           -- sum of amount % 1000000
    PRIMARY KEY (account_id, day, currency, type, channel, country, actor_id)
);

INSERT INTO ledger_rollups
SELECT account_id, created_at / 86400000000, currency, type, COALESCE(channel, ''),
       COALESCE(country, ''), COALESCE(actor_id, ''), count(*), sum(amount / 1000000),
       sum(amount % 1000000)
FROM ledger_entries GROUP BY 1, 2, 3, 4, 5, 6, 7;

CREATE FUNCTION ledger_rollups_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_rollups
    SELECT account_id, created_at / 86400000000, currency, type, COALESCE(channel, ''),
           COALESCE(country, ''), COALESCE(actor_id, ''), count(*), sum(amount / 1000000),
           sum(amount % 1000000)
    FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (account_id, day, currency, type, channel, country, actor_id) DO UPDATE
    SET entries = ledger_rollups.entries + excluded.entries,
        units = ledger_rollups.units + excluded.units,
        micros = ledger_rollups.micros + excluded.micros;
    RETURN NULL;
END $$;

CREATE TRIGGER ledger_rollups_insert AFTER INSERT ON ledger_entries
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollups_insert();
