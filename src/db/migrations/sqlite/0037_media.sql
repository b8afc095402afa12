-- Media objects (decision 0038): files an account uploaded or received,
-- stored under the data directory by their content's SHA-256. Received
-- WhatsApp media waits here as 'pending' until it is downloaded.
CREATE TABLE media (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    status TEXT NOT NULL,             -- ready | pending | failed
    origin TEXT NOT NULL,             -- upload | whatsapp
    mime_type TEXT NOT NULL,
    kind TEXT NOT NULL,               -- image | audio | video | document | sticker
    sha256 TEXT,                      -- hex: the file's name; NULL until stored
    size_bytes BIGINT NOT NULL,
    filename TEXT,
    source_id TEXT,                   -- Meta's media id of a received file
    channel_id TEXT,                  -- the WhatsApp channel it came through
    attempts INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    error TEXT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX media_account ON media (account_id, created_at, id);
CREATE INDEX media_account_file ON media (account_id, sha256);
CREATE INDEX media_downloads ON media (next_attempt_at) WHERE status = 'pending';
