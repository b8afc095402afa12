-- A plan may set its own request rate limits (requests a minute per class;
-- NULL: the server's configured limit, 0: no limit). Seeded plans keep the
-- configured limits.
ALTER TABLE plans ADD COLUMN rate_limit_auth BIGINT;
ALTER TABLE plans ADD COLUMN rate_limit_send BIGINT;
ALTER TABLE plans ADD COLUMN rate_limit_bulk BIGINT;
ALTER TABLE plans ADD COLUMN rate_limit_default BIGINT;
