-- A patient changing their email address (issue 4): the new address is used only once a link
-- sent to it is followed (proving the patient reads it); the old address is told. The link's
-- token is kept as its SHA-256. Times are Unix seconds.
CREATE TABLE email_changes (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    account_id BLOB NOT NULL REFERENCES patient_accounts (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    new_email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_changes_by_account ON email_changes (account_id);
