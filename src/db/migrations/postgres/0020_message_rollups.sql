-- Message counts per account, UTC day of creation, direction, channel,
-- status and gateway (docs/message-history.md). Statement triggers write
-- the changes of every insert and status change, in its transaction, so
-- the counts are exact; the statistics read them instead of counting
-- messages. Purging old messages leaves them as they are: they count what
-- was sent, not what is kept. `ujumbe admin rebuild-rollups` recounts them.
--
-- Writers append to message_rollup_deltas and never update a shared row:
-- the accept, outcome and receipt transactions would otherwise queue on the
-- same counters (and could deadlock). The server folds the deltas into
-- message_rollups every few seconds; readers add both.
CREATE TABLE message_rollups (
    account_id TEXT NOT NULL,
    day BIGINT NOT NULL,              -- days since 1970-01-01 (UTC) of created_at
    direction TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    gateway_id TEXT NOT NULL,         -- '' until a gateway is chosen
    messages BIGINT NOT NULL,
    segments BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, direction, channel, status, gateway_id)
);

CREATE TABLE message_rollup_deltas (
    account_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    direction TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    gateway_id TEXT NOT NULL,
    messages BIGINT NOT NULL,
    segments BIGINT NOT NULL
);

INSERT INTO message_rollups
SELECT account_id, created_at / 86400000000, direction, channel, status,
       COALESCE(gateway_id, ''), count(*), sum(segments)
FROM messages GROUP BY 1, 2, 3, 4, 5, 6;

CREATE FUNCTION message_rollups_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_rollup_deltas
    SELECT account_id, created_at / 86400000000, direction, channel, status,
           COALESCE(gateway_id, ''), count(*), sum(segments)
    FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

CREATE TRIGGER message_rollups_insert AFTER INSERT ON messages
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION message_rollups_insert();

-- Transition tables allow no column list: every update fires it, and only
-- rows whose status or gateway changed count.
CREATE FUNCTION message_rollups_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_rollup_deltas
    SELECT account_id, day, direction, channel, status, gateway_id, sum(n), sum(s)
    FROM (
        SELECT side.*
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES
            (o.account_id, o.created_at / 86400000000, o.direction, o.channel, o.status,
             COALESCE(o.gateway_id, ''), -1::BIGINT, -o.segments::BIGINT),
            (n.account_id, n.created_at / 86400000000, n.direction, n.channel, n.status,
             COALESCE(n.gateway_id, ''), 1::BIGINT, n.segments::BIGINT))
            AS side (account_id, day, direction, channel, status, gateway_id, n, s)
        WHERE o.status <> n.status OR o.gateway_id IS DISTINCT FROM n.gateway_id
    ) changed
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(n) <> 0 OR sum(s) <> 0;
    RETURN NULL;
END $$;

CREATE TRIGGER message_rollups_update AFTER UPDATE ON messages
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION message_rollups_update();
