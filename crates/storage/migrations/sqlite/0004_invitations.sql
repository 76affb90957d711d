-- An invitation binds one chart to one secret: an emailed link's token or a printed code.
-- Only hashes are stored: SHA-256 of the 256-bit token, a keyed HMAC of the shorter code.
CREATE TABLE invitations (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'printed-code')),
    email TEXT,
    token_hash TEXT UNIQUE,
    code_hash TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('invited', 'opened', 'identity-verified', 'credentials-set',
        'terms-accepted', 'active', 'mismatch', 'locked', 'expired', 'revoked')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES staff_accounts (id),
    ended_at TEXT
);
CREATE INDEX invitations_by_patient ON invitations (patient_id, created_at);

-- Every step of every enrollment, for the funnel and for review.
CREATE TABLE enrollment_events (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    invitation_id BLOB REFERENCES invitations (id),
    patient_id BLOB REFERENCES patients (id),
    stage TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX enrollment_events_by_org ON enrollment_events (organization_id, at);
