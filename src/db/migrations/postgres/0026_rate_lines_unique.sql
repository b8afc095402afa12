-- One line per card (the base card has no account), channel, prefix,
-- country and gateway. put_rate finds the line and updates it or inserts
-- one; without a unique key two concurrent PostgreSQL writers could both
-- insert, and a send would price from either. Duplicates written before
-- are dropped, keeping the newest of each.
DELETE FROM rates WHERE id NOT IN (
    SELECT max(id) FROM rates
    GROUP BY COALESCE(account_id, ''), channel, prefix, country, COALESCE(gateway_id, ''));
CREATE UNIQUE INDEX rates_line
    ON rates ((COALESCE(account_id, '')), channel, prefix, country, (COALESCE(gateway_id, '')));
