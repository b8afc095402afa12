-- Conversations (docs/api-conversations.md, decision 0035): one per account,
-- channel and customer number, opened or reopened by the customer's
-- messages, answered from the inbox.
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    channel TEXT NOT NULL,                  -- sms | whatsapp
    customer TEXT NOT NULL,                 -- the customer's number, E.164
    contact_id TEXT,                        -- the account's contact with that number
    status TEXT NOT NULL,                   -- OPEN | CLOSED
    assigned_to TEXT,                       -- a user of the account
    tags TEXT NOT NULL DEFAULT '[]',        -- JSON array of strings
    unread_count INTEGER NOT NULL DEFAULT 0,
    last_message_at BIGINT NOT NULL,
    last_message_preview TEXT NOT NULL DEFAULT '',
    last_direction TEXT NOT NULL,           -- inbound | outbound
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX conversations_customer ON conversations (account_id, channel, customer);
CREATE INDEX conversations_recent ON conversations (account_id, last_message_at, id);
