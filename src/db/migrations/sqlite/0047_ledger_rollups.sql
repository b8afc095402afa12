-- Ledger totals per account, UTC day, currency, entry type, channel,
-- country and actor (the user who caused the entry) (docs/analytics.md). A trigger keeps them in the transaction of
-- every entry written (entries are never changed or deleted), so spend by
-- day, channel and country is read without adding up every charge.
-- Amounts are kept as two sums, of whole units and of the micro-units
-- left over, that no number of entries can overflow.
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
) WITHOUT ROWID;

INSERT INTO ledger_rollups
SELECT account_id, created_at / 86400000000, currency, type, COALESCE(channel, ''),
       COALESCE(country, ''), COALESCE(actor_id, ''), count(*), sum(amount / 1000000),
       sum(amount % 1000000)
FROM ledger_entries GROUP BY 1, 2, 3, 4, 5, 6, 7;

CREATE TRIGGER ledger_rollups_insert AFTER INSERT ON ledger_entries
BEGIN
    INSERT INTO ledger_rollups VALUES (NEW.account_id, NEW.created_at / 86400000000,
        NEW.currency, NEW.type, COALESCE(NEW.channel, ''), COALESCE(NEW.country, ''),
        COALESCE(NEW.actor_id, ''), 1,
        NEW.amount / 1000000, NEW.amount % 1000000)
    ON CONFLICT DO UPDATE SET entries = entries + 1, units = units + excluded.units,
        micros = micros + excluded.micros;
END;
