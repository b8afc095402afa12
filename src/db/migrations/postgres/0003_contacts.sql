-- Contacts, their tags and consent history, groups, segments, CSV imports.
-- A soft-deleted contact keeps its row (its history stays) but no longer
-- holds its phone or email: the unique indexes cover live contacts only.
CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL DEFAULT '',
    phone_e164 TEXT,
    email TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '',
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_opted_in BOOLEAN NOT NULL DEFAULT FALSE,
    opt_in_at BIGINT,
    opt_out_at BIGINT,
    opt_out_reason TEXT,
    last_contacted_at BIGINT,
    search_text TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE UNIQUE INDEX contacts_phone ON contacts (account_id, phone_e164)
    WHERE deleted_at IS NULL AND phone_e164 IS NOT NULL;
CREATE UNIQUE INDEX contacts_email ON contacts (account_id, email)
    WHERE deleted_at IS NULL AND email IS NOT NULL;
CREATE INDEX contacts_created ON contacts (account_id, created_at, id) WHERE deleted_at IS NULL;

-- One row per (contact, tag): tag filters and segments use the index.
CREATE TABLE contact_tags (
    account_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (account_id, tag, contact_id)
);
CREATE INDEX contact_tags_contact ON contact_tags (contact_id);

CREATE TABLE contact_consents (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    action TEXT NOT NULL CHECK (action IN ('opt_in', 'opt_out')),
    channel TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('api', 'import', 'keyword', 'campaign')),
    reason TEXT,
    actor_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX contact_consents_contact ON contact_consents (contact_id, created_at);

CREATE TABLE contact_groups (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE contact_group_members (
    group_id TEXT NOT NULL REFERENCES contact_groups(id),
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, contact_id)
);
CREATE INDEX contact_group_members_contact ON contact_group_members (contact_id);

CREATE TABLE segments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    rules TEXT NOT NULL,
    contact_count BIGINT NOT NULL DEFAULT 0,
    counted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

-- An import job: the uploaded file stays in the node's spool directory until
-- the job ends; progress commits with each batch, so a restart resumes.
CREATE TABLE contact_imports (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created_by TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    file_name TEXT NOT NULL DEFAULT '',
    file_path TEXT NOT NULL,
    byte_begin BIGINT NOT NULL,
    byte_end BIGINT NOT NULL,
    options TEXT NOT NULL,
    columns TEXT,
    processed_bytes BIGINT NOT NULL DEFAULT 0,
    next_line BIGINT NOT NULL DEFAULT 1,
    rows_processed BIGINT NOT NULL DEFAULT 0,
    created_count BIGINT NOT NULL DEFAULT 0,
    updated_count BIGINT NOT NULL DEFAULT 0,
    skipped_count BIGINT NOT NULL DEFAULT 0,
    failed_count BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contact_imports_account ON contact_imports (account_id, created_at);
CREATE INDEX contact_imports_status ON contact_imports (status, created_at);

CREATE TABLE contact_import_errors (
    import_id TEXT NOT NULL REFERENCES contact_imports(id),
    line BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    row_text TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);
