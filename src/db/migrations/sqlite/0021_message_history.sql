-- Message history at scale (docs/message-history.md).

-- Every list is newest first with the id breaking ties, and each index a
-- filter uses ends in (created_at, id): a page is read in index order with
-- no sort, a page far down by page number skips index entries only, and a
-- cursor's position is a range of the index.
DROP INDEX messages_account;
CREATE INDEX messages_account ON messages (account_id, created_at, id);
DROP INDEX messages_to;
CREATE INDEX messages_to ON messages (account_id, to_number, created_at, id);

-- Filters the lists page by: status (the pipeline updates it; SQLite has
-- no HOT updates to lose), sender, and the few inbound messages among the
-- outbound (direction never changes, so the index holds inbound rows only).
CREATE INDEX messages_status ON messages (account_id, status, created_at, id);
CREATE INDEX messages_sender ON messages (account_id, sender, created_at, id);
CREATE INDEX messages_inbound ON messages (account_id, created_at, id) WHERE direction = 'inbound';
-- Channels other than SMS (a query for one adds channel <> 'sms', which
-- SQLite needs to see to use a partial index).
CREATE INDEX messages_other_channels ON messages (account_id, channel, created_at, id)
    WHERE channel <> 'sms';

-- Search of bodies and numbers: trigrams, so that any run of three or more
-- characters is found, without case, as LIKE '%...%' would find it. The
-- table keeps no copy of the text (content=''); its rowids are the
-- messages' rowids, which VACUUM may renumber: `ujumbe admin
-- rebuild-search` writes it again.
CREATE VIRTUAL TABLE message_search USING fts5(body, to_number, content='', tokenize='trigram');
INSERT INTO message_search (rowid, body, to_number) SELECT rowid, body, to_number FROM messages;

CREATE TRIGGER message_search_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO message_search (rowid, body, to_number) VALUES (NEW.rowid, NEW.body, NEW.to_number);
END;

CREATE TRIGGER message_search_update AFTER UPDATE OF body, to_number ON messages
BEGIN
    INSERT INTO message_search (message_search, rowid, body, to_number)
        VALUES ('delete', OLD.rowid, OLD.body, OLD.to_number);
    INSERT INTO message_search (rowid, body, to_number) VALUES (NEW.rowid, NEW.body, NEW.to_number);
END;

CREATE TRIGGER message_search_delete AFTER DELETE ON messages
BEGIN
    INSERT INTO message_search (message_search, rowid, body, to_number)
        VALUES ('delete', OLD.rowid, OLD.body, OLD.to_number);
END;
