-- Message history at scale (docs/message-history.md).

-- Filters the lists page by. Sender and direction never change, and the
-- inbound index holds inbound rows only. Status is the exception: an
-- index naming it makes each status update write every index of the row
-- (no HOT update); decision 0027 weighs that.
CREATE INDEX messages_status ON messages (account_id, status, created_at);
CREATE INDEX messages_sender ON messages (account_id, sender, created_at);
CREATE INDEX messages_inbound ON messages (account_id, created_at) WHERE direction = 'inbound';
CREATE INDEX messages_other_channels ON messages (account_id, channel, created_at)
    WHERE channel <> 'sms';

-- Search of bodies and numbers: trigram indexes answer LIKE '%...%' for
-- runs of three or more characters. pg_trgm ships with PostgreSQL and is a
-- trusted extension: the owner of the database may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_body_search ON messages USING gin (lower(body) gin_trgm_ops);
CREATE INDEX messages_number_search ON messages USING gin (to_number gin_trgm_ops);
