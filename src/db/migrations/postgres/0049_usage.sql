-- Usage per account, UTC day and user (docs/analytics.md, "Usage"):
-- outbound messages and segments by the user who sent them and channel,
-- counted by a statement trigger as messages are accepted (their status
-- does not matter); API requests by user, added by the request log's
-- writer with each batch of lines. `ujumbe admin rebuild-rollups`
-- recounts the first.
--
-- As with message_rollups, accepting transactions append deltas and never
-- update a shared row; the server folds them in every few seconds and
-- readers add both.
CREATE TABLE message_usage (
    account_id TEXT NOT NULL,
    day BIGINT NOT NULL,              -- days since 1970-01-01 (UTC) of created_at
    user_id TEXT NOT NULL,            -- '' for messages of no user (campaign runs, replies)
    channel TEXT NOT NULL,
    messages BIGINT NOT NULL,
    segments BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, user_id, channel)
);

CREATE TABLE message_usage_deltas (
    account_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    messages BIGINT NOT NULL,
    segments BIGINT NOT NULL
);

INSERT INTO message_usage
SELECT account_id, created_at / 86400000000, COALESCE(user_id, ''), channel, count(*),
       sum(segments)
FROM messages WHERE direction = 'outbound' GROUP BY 1, 2, 3, 4;

CREATE FUNCTION message_usage_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_usage_deltas
    SELECT account_id, created_at / 86400000000, COALESCE(user_id, ''), channel, count(*),
           sum(segments)
    FROM new_rows WHERE direction = 'outbound' GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;

CREATE TRIGGER message_usage_insert AFTER INSERT ON messages
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION message_usage_insert();

CREATE TABLE api_usage (
    account_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, user_id)
);
