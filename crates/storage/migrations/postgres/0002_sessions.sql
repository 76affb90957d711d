-- Server-side sessions: the cookie holds a random token; only its SHA-256 is stored, so a copy
-- of this table cannot be replayed.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
    subject_id UUID NOT NULL,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    client_addr TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_by_subject ON sessions (kind, subject_id);

-- Counters that throttle guessing (sign-in, codes): in the database so that they hold across
-- restarts and across instances sharing it.
CREATE TABLE throttle_counters (
    bucket TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_started_at TIMESTAMPTZ NOT NULL
);
