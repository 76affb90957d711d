-- Work for staff: identity mismatches and locked invitations, with what differed.
CREATE TABLE review_items (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID REFERENCES patients (id),
    invitation_id UUID REFERENCES invitations (id),
    kind TEXT NOT NULL CHECK (kind IN ('mismatch', 'locked')),
    -- JSON: per field, whether it matched (never the typed values of secrets)
    detail TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    closed_by UUID REFERENCES staff_accounts (id),
    close_reason TEXT
);
CREATE INDEX review_items_open ON review_items (organization_id, closed_at, created_at);
