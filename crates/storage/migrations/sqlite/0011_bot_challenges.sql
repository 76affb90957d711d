-- no-transaction
-- (SQLite cannot change a CHECK or a NOT NULL in place: two tables are rebuilt, with foreign
-- keys off while their rows are copied, inside one transaction of our own.)
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- Bot-check challenges already answered (docs/BOT-CHECK.md): a SHA-256 fingerprint of each,
-- kept until the challenge would have expired anyway, so that a solved challenge is accepted
-- once across restarts and app instances. expires_at is in seconds since the Unix epoch.
CREATE TABLE bot_challenges (
    fingerprint TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX bot_challenges_by_expiry ON bot_challenges (expires_at);

-- Self-enrollment: a patient who signs up without an invitation gets one of channel 'self',
-- created by nobody on the staff.
CREATE TABLE invitations_new (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'printed-code', 'self')),
    email TEXT,
    token_hash TEXT UNIQUE,
    code_hash TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('invited', 'opened', 'identity-verified', 'credentials-set',
        'terms-accepted', 'active', 'mismatch', 'locked', 'expired', 'revoked')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_by BLOB REFERENCES staff_accounts (id),
    ended_at TEXT,
    access_code_verified_at TEXT
);
INSERT INTO invitations_new (id, organization_id, patient_id, channel, email, token_hash, code_hash,
    status, attempts, created_at, expires_at, created_by, ended_at, access_code_verified_at)
SELECT id, organization_id, patient_id, channel, email, token_hash, code_hash,
    status, attempts, created_at, expires_at, created_by, ended_at, access_code_verified_at
FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
CREATE INDEX invitations_by_patient ON invitations (patient_id, created_at);

-- Review items for self-enrollments that did not go through.
CREATE TABLE review_items_new (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB REFERENCES patients (id),
    invitation_id BLOB REFERENCES invitations (id),
    kind TEXT NOT NULL CHECK (kind IN ('mismatch', 'locked', 'self-enrollment')),
    -- JSON: per field, whether it matched (never the typed values of secrets)
    detail TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT,
    closed_by BLOB REFERENCES staff_accounts (id),
    close_reason TEXT
);
INSERT INTO review_items_new SELECT id, organization_id, patient_id, invitation_id, kind, detail,
    created_at, closed_at, closed_by, close_reason FROM review_items;
DROP TABLE review_items;
ALTER TABLE review_items_new RENAME TO review_items;
CREATE INDEX review_items_open ON review_items (organization_id, closed_at, created_at);

COMMIT;
PRAGMA foreign_keys = ON;
