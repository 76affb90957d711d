-- A patient's portal account: one per chart, a username unique per organization (stored
-- lower-cased), an Argon2id hash. Pending until the terms are accepted.
CREATE TABLE patient_accounts (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL UNIQUE REFERENCES patients (id),
    invitation_id BLOB REFERENCES invitations (id),
    username TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'disabled')),
    created_at TEXT NOT NULL,
    UNIQUE (organization_id, username)
);
