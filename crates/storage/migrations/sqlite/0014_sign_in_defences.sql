-- Sign-in defences (issue 4, throttling): growing delays need the time of the last failure.
ALTER TABLE throttle_counters ADD COLUMN last_failure_at TEXT;

-- Browsers that have signed in to an account. The device cookie holds a random token; only its
-- SHA-256 is kept. A known device is throttled apart from strangers guessing at its account,
-- and a sign-in from an unknown one is told to the account's owner.
CREATE TABLE known_devices (
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'patient')),
    account_id BLOB NOT NULL,
    device_hash TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    user_agent TEXT,
    client_addr TEXT,
    -- Set when the account forgets its devices (a reset, "this wasn't me"): the row stays, so
    -- the next sign-in on any browser is announced as new, not taken for the first.
    forgotten_at BIGINT,
    PRIMARY KEY (kind, account_id, device_hash)
);

-- Failed sign-ins of the last day: the evidence behind credential-stuffing detection. The
-- password is kept only as a keyed hash, to recognize one password tried on many accounts.
-- Times are Unix seconds, compared the same way on both backends.
CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    surface TEXT NOT NULL,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    username TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    password_key TEXT NOT NULL
);
CREATE INDEX sign_in_failures_by_address ON sign_in_failures (client_addr, at);
CREATE INDEX sign_in_failures_by_password ON sign_in_failures (password_key, at);
CREATE INDEX sign_in_failures_by_time ON sign_in_failures (organization_id, at);

-- What the security officer looks into: one open event per kind and subject (an address, a
-- password, an account), its evidence updated while it goes on, closed with a note.
CREATE TABLE security_events (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    evidence TEXT NOT NULL,
    resolved_at BIGINT,
    resolved_by BLOB REFERENCES staff_accounts (id),
    resolution TEXT
);
CREATE UNIQUE INDEX security_events_open ON security_events (organization_id, kind, subject)
    WHERE resolved_at IS NULL;
CREATE INDEX security_events_by_time ON security_events (organization_id, last_seen_at);
