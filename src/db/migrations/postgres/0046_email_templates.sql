-- Templates of channel email: a subject and an optional HTML body beside
-- the text body, each with placeholders.
ALTER TABLE sms_templates ADD COLUMN channel TEXT NOT NULL DEFAULT 'sms'
    CHECK (channel IN ('sms', 'email'));
ALTER TABLE sms_templates ADD COLUMN subject TEXT;
ALTER TABLE sms_templates ADD COLUMN html TEXT;
