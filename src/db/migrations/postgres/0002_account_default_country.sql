-- The country assumed for phone numbers written without a country code.
ALTER TABLE accounts ADD COLUMN default_country TEXT NOT NULL DEFAULT '';
