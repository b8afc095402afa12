-- Templates and campaigns (docs/api-campaigns.md, decision 0031).

-- The campaign a message was sent for; counts per campaign read this index.
ALTER TABLE messages ADD COLUMN campaign_id TEXT;
CREATE INDEX messages_campaign ON messages (campaign_id, status) WHERE campaign_id IS NOT NULL;

CREATE TABLE sms_templates (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX sms_templates_name ON sms_templates (account_id, name);

-- An account's footer added to campaign messages ("Reply STOP to opt out"),
-- and its quiet hours (HH:MM, local to each recipient's country).
CREATE TABLE campaign_preferences (
    account_id TEXT PRIMARY KEY,
    opt_out_footer TEXT,
    quiet_start TEXT,
    quiet_end TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    campaign_type TEXT NOT NULL,
    message_text TEXT,
    template_id TEXT,
    sender_id TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    scheduled_at BIGINT,
    started_at BIGINT,
    paused_at BIGINT,
    completed_at BIGINT,
    targets TEXT NOT NULL,
    settings TEXT NOT NULL,
    is_recurring BOOLEAN NOT NULL DEFAULT FALSE,
    recurring_schedule TEXT NOT NULL DEFAULT '{}',
    -- A recurring campaign's next occurrence; each starts a run, a campaign
    -- of its own whose parent_id names it.
    next_run_at BIGINT,
    parent_id TEXT,
    -- expanding: the recipient list is being written; sending: it is frozen
    -- and next_seq is the first recipient not yet handed to the accept path.
    phase TEXT,
    next_seq BIGINT NOT NULL DEFAULT 0,
    total_recipients BIGINT NOT NULL DEFAULT 0,
    accepted_count BIGINT NOT NULL DEFAULT 0,
    skipped_count BIGINT NOT NULL DEFAULT 0,
    sent_count BIGINT NOT NULL DEFAULT 0,
    delivered_count BIGINT NOT NULL DEFAULT 0,
    read_count BIGINT NOT NULL DEFAULT 0,
    failed_count BIGINT NOT NULL DEFAULT 0,
    exclusions TEXT NOT NULL DEFAULT '{}',
    estimated_cost BIGINT NOT NULL DEFAULT 0,
    charged BIGINT NOT NULL DEFAULT 0,
    refunded BIGINT NOT NULL DEFAULT 0,
    currency TEXT,
    counted_at BIGINT,
    lease_owner TEXT,
    lease_until BIGINT,
    created_by TEXT,
    created_by_name TEXT NOT NULL DEFAULT '',
    -- The member it sends as: who started or scheduled it.
    run_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX campaigns_account ON campaigns (account_id, created_at);
CREATE INDEX campaigns_status ON campaigns (status);
CREATE INDEX campaigns_parent ON campaigns (parent_id) WHERE parent_id IS NOT NULL;

-- The frozen recipient list: pending until the accept path took the
-- message (accepted, with its id) or refused it (skipped, with why).
CREATE TABLE campaign_recipients (
    campaign_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    contact_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    status TEXT NOT NULL,
    message_id TEXT,
    reason TEXT,
    PRIMARY KEY (campaign_id, seq)
);
