-- Message history at scale (docs/message-history.md).

-- Every list is newest first with the id breaking ties, and each index a
-- filter uses ends in (created_at, id): a page is read in index order with
-- no sort, a page far down by page number skips index entries only, and a
-- cursor's position is a range of the index.
DROP INDEX messages_account;
CREATE INDEX messages_account ON messages (account_id, created_at, id);
DROP INDEX messages_to;
CREATE INDEX messages_to ON messages (account_id, to_number, created_at, id);

-- Filters the lists page by. Sender and direction never change, and the
-- inbound index holds inbound rows only. Status is the exception: an
-- index naming it makes each status update write every index of the row
-- (no HOT update); decision 0027 weighs that.
CREATE INDEX messages_status ON messages (account_id, status, created_at, id);
CREATE INDEX messages_sender ON messages (account_id, sender, created_at, id);
CREATE INDEX messages_inbound ON messages (account_id, created_at, id) WHERE direction = 'inbound';
CREATE INDEX messages_other_channels ON messages (account_id, channel, created_at, id)
    WHERE channel <> 'sms';

-- Search of bodies and numbers: trigram indexes answer LIKE '%...%' for
-- runs of three or more characters. pg_trgm ships with PostgreSQL and is a
-- trusted extension: the owner of the database may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_body_search ON messages USING gin (lower(body) gin_trgm_ops);
CREATE INDEX messages_number_search ON messages USING gin (to_number gin_trgm_ops);
