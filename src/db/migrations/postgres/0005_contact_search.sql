-- Substring search over contacts' name, phone and email through a trigram
-- index: LIKE '%...%' on search_text uses it (pg_trgm, a trusted extension).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX contacts_search ON contacts USING gin (search_text gin_trgm_ops);
