-- Password resets (issue 4, recovery): a single-use, short-lived link emailed to the chart's
-- address. Only the SHA-256 of the token is kept; used_at is set once, by the reset.
CREATE TABLE password_resets (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    account_id UUID NOT NULL REFERENCES patient_accounts (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX password_resets_by_account ON password_resets (account_id);
