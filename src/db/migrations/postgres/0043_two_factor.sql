-- Two-factor sign-in with TOTP (docs/api-identity.md). A user's secret is
-- sealed with the server secret; it is pending until a first code confirms
-- it (totp_enabled_at). totp_last_step makes each code single-use.
-- Recovery codes are kept as keyed hashes. A login challenge is what a
-- password sign-in of a 2FA user answers: single-use, five minutes.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at BIGINT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE accounts ADD COLUMN require_2fa BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    account_id TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);
