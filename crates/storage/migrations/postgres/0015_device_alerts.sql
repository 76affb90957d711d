-- New-device alerts (issue 4): the email after a sign-in from a browser the account has not
-- seen carries a "this wasn't me" link, stored as the SHA-256 of its token. Following it locks
-- the account (locked_at) until staff help the patient back in. Times are Unix seconds.
ALTER TABLE patient_accounts ADD COLUMN locked_at BIGINT;

CREATE TABLE device_alerts (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    account_id UUID NOT NULL REFERENCES patient_accounts (id),
    token_hash TEXT NOT NULL UNIQUE,
    device TEXT,
    client_addr TEXT,
    signed_in_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX device_alerts_by_account ON device_alerts (account_id);
