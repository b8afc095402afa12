-- Message counts per account, UTC day of creation, direction, channel,
-- status and gateway (docs/message-history.md). Triggers keep them in the
-- transaction of every insert and status change, so they are exact; the
-- statistics read them instead of counting messages. Purging old messages
-- leaves them as they are: they count what was sent, not what is kept.
-- `ujumbe admin rebuild-rollups` recounts them from the messages.
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
) WITHOUT ROWID;

INSERT INTO message_rollups
SELECT account_id, created_at / 86400000000, direction, channel, status,
       COALESCE(gateway_id, ''), count(*), sum(segments)
FROM messages GROUP BY 1, 2, 3, 4, 5, 6;

CREATE TRIGGER message_rollups_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO message_rollups VALUES (NEW.account_id, NEW.created_at / 86400000000,
        NEW.direction, NEW.channel, NEW.status, COALESCE(NEW.gateway_id, ''), 1, NEW.segments)
    ON CONFLICT DO UPDATE SET messages = messages + 1, segments = segments + excluded.segments;
END;

CREATE TRIGGER message_rollups_update AFTER UPDATE OF status, gateway_id ON messages
WHEN OLD.status IS NOT NEW.status OR OLD.gateway_id IS NOT NEW.gateway_id
BEGIN
    UPDATE message_rollups SET messages = messages - 1, segments = segments - OLD.segments
    WHERE account_id = OLD.account_id AND day = OLD.created_at / 86400000000
      AND direction = OLD.direction AND channel = OLD.channel AND status = OLD.status
      AND gateway_id = COALESCE(OLD.gateway_id, '');
    INSERT INTO message_rollups VALUES (NEW.account_id, NEW.created_at / 86400000000,
        NEW.direction, NEW.channel, NEW.status, COALESCE(NEW.gateway_id, ''), 1, NEW.segments)
    ON CONFLICT DO UPDATE SET messages = messages + 1, segments = segments + excluded.segments;
END;
