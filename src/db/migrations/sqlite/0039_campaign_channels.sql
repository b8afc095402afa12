-- WhatsApp and mixed campaigns (decision 0040): the WhatsApp template a
-- campaign sends first; for mixed campaigns, the recipients owed an SMS
-- because WhatsApp refused or failed them, queued in the transaction that
-- learnt it, and the SMS each was sent.
ALTER TABLE campaigns ADD COLUMN whatsapp_template TEXT;
ALTER TABLE campaign_recipients ADD COLUMN fallback_message_id TEXT;
CREATE INDEX campaign_recipients_message ON campaign_recipients (message_id)
    WHERE message_id IS NOT NULL;
CREATE TABLE campaign_fallbacks (
    campaign_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    reason TEXT NOT NULL,             -- what WhatsApp said: a refusal or a final status
    created_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, seq)
);
