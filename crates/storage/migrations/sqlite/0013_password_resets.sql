-- Password resets (issue 4, recovery): a single-use, short-lived link emailed to the chart's
-- address. Only the SHA-256 of the token is kept; used_at is set once, by the reset.
CREATE TABLE password_resets (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    account_id BLOB NOT NULL REFERENCES patient_accounts (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_resets_by_account ON password_resets (account_id);
