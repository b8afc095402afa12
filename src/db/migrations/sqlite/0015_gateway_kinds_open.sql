-- Gateway kinds are plug-ins (channels::KindRegistry): the service checks a
-- kind against the kinds this server knows, so the table no longer lists
-- them. SQLite cannot drop a CHECK: the table is rebuilt (nothing refers
-- to it by foreign key).
CREATE TABLE gateways_open (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind <> ''),
    settings TEXT NOT NULL,            -- JSON, without secrets
    secrets TEXT NOT NULL DEFAULT '',  -- sealed JSON (secretbox), never returned
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO gateways_open (id, name, kind, settings, secrets, is_active, created_at, updated_at)
    SELECT id, name, kind, settings, secrets, is_active, created_at, updated_at FROM gateways;
DROP TABLE gateways;
ALTER TABLE gateways_open RENAME TO gateways;
