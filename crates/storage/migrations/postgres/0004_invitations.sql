-- An invitation binds one chart to one secret: an emailed link's token or a printed code.
-- Only hashes are stored: SHA-256 of the 256-bit token, a keyed HMAC of the shorter code.
CREATE TABLE invitations (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'printed-code')),
    email TEXT,
    token_hash TEXT UNIQUE,
    code_hash TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('invited', 'opened', 'identity-verified', 'credentials-set',
        'terms-accepted', 'active', 'mismatch', 'locked', 'expired', 'revoked')),
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_by UUID NOT NULL REFERENCES staff_accounts (id),
    ended_at TIMESTAMPTZ
);
CREATE INDEX invitations_by_patient ON invitations (patient_id, created_at);

-- Every step of every enrollment, for the funnel and for review.
CREATE TABLE enrollment_events (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    invitation_id UUID REFERENCES invitations (id),
    patient_id UUID REFERENCES patients (id),
    stage TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    detail TEXT
);
CREATE INDEX enrollment_events_by_org ON enrollment_events (organization_id, at);
