-- Passkeys (WebAuthn), a way to sign in without a password (issue 4). Times are Unix seconds.
--
-- Each passkey an account registered: its credential id (base64url, unique: one credential
-- belongs to one account) and the public key with its signature counter, as webauthn-rs keeps
-- them (JSON).
CREATE TABLE passkeys (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
    account_id UUID NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    credential_id TEXT NOT NULL UNIQUE,
    passkey TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_by_account ON passkeys (kind, account_id);

-- A registration or sign-in between its two requests: the challenge's state, kept on the
-- server (a client holding it could replay it), found by the SHA-256 of a random token, used
-- once.
CREATE TABLE webauthn_ceremonies (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('register', 'sign-in')),
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
    account_id UUID,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremonies_by_expiry ON webauthn_ceremonies (expires_at);
