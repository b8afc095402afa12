-- Bulk imports write a million contacts and their tag rows. A foreign key
-- is checked row by row (an index probe and a row lock on the referenced
-- row) and cost about as much as the rest of each insert; these two guard
-- nothing the store does not already: account ids come from the caller's
-- principal, contacts are never deleted (only marked), and tag rows are an
-- index of contacts.tags that the store rewrites with the contact.
ALTER TABLE contacts DROP CONSTRAINT contacts_account_id_fkey;
ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_contact_id_fkey;
