-- 2-step sign-in (issue 4). Times are Unix seconds.
--
-- An account's second step: codes from an authenticator app (the shared secret sealed under
-- the server key; the newest time step accepted, so that no code is accepted twice) or codes
-- sent by email.
CREATE TABLE two_step_methods (
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
    account_id BLOB NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('totp', 'email')),
    totp_sealed TEXT,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    enabled_at BIGINT NOT NULL,
    PRIMARY KEY (kind, account_id)
);

-- One-time recovery codes, as keyed hashes; a used one keeps its row with the time of use.
CREATE TABLE recovery_codes (
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
    account_id BLOB NOT NULL,
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (kind, account_id, code_hash)
);

-- A sign-in between its two steps: the password was right, the code is still to come. The
-- browser holds a random token; only its SHA-256 is kept. An emailed code is kept as a keyed
-- hash.
CREATE TABLE sign_in_challenges (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
    account_id BLOB NOT NULL,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    email_code_hash TEXT,
    email_sent_at BIGINT,
    email_sends BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sign_in_challenges_by_expiry ON sign_in_challenges (expires_at);

-- When the session's owner last typed their password (or passed a passkey) again: changing
-- the password, the email address or the 2-step settings asks for it to be recent.
ALTER TABLE sessions ADD COLUMN reauthenticated_at BIGINT;
