-- How long a plan keeps its subscribers' messages (decision 0029): a
-- ceiling on the account's own days; NULL sets none.
ALTER TABLE plans ADD COLUMN body_retention_days INTEGER CHECK (body_retention_days > 0);
ALTER TABLE plans ADD COLUMN message_retention_days INTEGER CHECK (message_retention_days > 0);
