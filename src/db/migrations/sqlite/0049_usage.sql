-- Usage per account, UTC day and user (docs/analytics.md, "Usage"):
-- outbound messages and segments by the user who sent them and channel,
-- counted by a trigger as messages are accepted (their status does not
-- matter); API requests by user, added by the request log's writer with
-- each batch of lines. `ujumbe admin rebuild-rollups` recounts the first.
CREATE TABLE message_usage (
    account_id TEXT NOT NULL,
    day BIGINT NOT NULL,              -- days since 1970-01-01 (UTC) of created_at
    user_id TEXT NOT NULL,            -- '' for messages of no user (campaign runs, replies)
    channel TEXT NOT NULL,
    messages BIGINT NOT NULL,
    segments BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, user_id, channel)
) WITHOUT ROWID;

INSERT INTO message_usage
SELECT account_id, created_at / 86400000000, COALESCE(user_id, ''), channel, count(*),
       sum(segments)
FROM messages WHERE direction = 'outbound' GROUP BY 1, 2, 3, 4;

CREATE TRIGGER message_usage_insert AFTER INSERT ON messages
WHEN NEW.direction = 'outbound'
BEGIN
    INSERT INTO message_usage VALUES (NEW.account_id, NEW.created_at / 86400000000,
        COALESCE(NEW.user_id, ''), NEW.channel, 1, NEW.segments)
    ON CONFLICT DO UPDATE SET messages = messages + 1, segments = segments + excluded.segments;
END;

CREATE TABLE api_usage (
    account_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, user_id)
) WITHOUT ROWID;
