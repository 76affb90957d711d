-- Support requests (issue 16, point 2) from people who cannot sign in: a public form, never
-- matched against the charts. The person is reached back by email or phone (at least one);
-- `reference` is what they quote when they call. `language` is the form's, for the emails
-- telling them where the request stands.
CREATE TABLE support_requests (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    reference TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL CHECK (topic IN ('cant-sign-in', 'no-invitation', 'info-wrong', 'other')),
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    details TEXT,
    language TEXT NOT NULL CHECK (language IN ('en', 'es')),
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in-progress', 'closed')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE INDEX support_requests_queue ON support_requests (organization_id, status, created_at);

-- Staff's notes on a request (the requester never sees them).
CREATE TABLE support_request_notes (
    id UUID PRIMARY KEY,
    request_id UUID NOT NULL REFERENCES support_requests (id),
    organization_id UUID NOT NULL REFERENCES organizations (id),
    staff_id UUID NOT NULL REFERENCES staff_accounts (id),
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX support_request_notes_of_request ON support_request_notes (request_id, created_at);
