-- A mail's unsubscribe link is a source of consent changes.
ALTER TABLE contact_consents DROP CONSTRAINT contact_consents_source_check;
ALTER TABLE contact_consents ADD CONSTRAINT contact_consents_source_check
    CHECK (source IN ('api', 'import', 'keyword', 'campaign', 'unsubscribe'));
