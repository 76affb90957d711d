-- A patient part-way through enrollment: the cookie's token (hashed) leads to the invitation,
-- so that the secret in the emailed link or on the letter is used once and leaves the URL.
CREATE TABLE enrollment_sessions (
    token_hash TEXT PRIMARY KEY,
    invitation_id UUID NOT NULL REFERENCES invitations (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
