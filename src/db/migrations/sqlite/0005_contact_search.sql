-- Substring search over contacts' name, phone and email through a trigram
-- index (FTS5), kept in step with contacts.search_text by triggers.
CREATE VIRTUAL TABLE contacts_search USING fts5(
    search_text, content = 'contacts', content_rowid = 'rowid', tokenize = 'trigram'
);
INSERT INTO contacts_search (rowid, search_text) SELECT rowid, search_text FROM contacts;
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts
    WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO contacts_search (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
