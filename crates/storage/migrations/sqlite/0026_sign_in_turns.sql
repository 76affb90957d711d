-- Sign-in turns (issue 12): an attempt takes its turn on each counter before its password is
-- hashed, as "pending" until its outcome is known. Attempts in flight hold back a burst (they
-- are counted against the limit) without being taken for failures: a right password waits for
-- them to end rather than being refused. `pending_at` is the time of the latest turn taken, so
-- that turns left by a process that stopped mid-check are not counted for ever.
ALTER TABLE throttle_counters ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE throttle_counters ADD COLUMN pending_at TEXT;

-- Sign-in attempts refused because they had to wait, per organization, hour and client address:
-- what the security page counts besides the failed ones (a bot kept waiting is still a bot).
-- Hours are Unix seconds at the hour's start.
CREATE TABLE sign_in_refusals (
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    hour BIGINT NOT NULL,
    client_addr TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    PRIMARY KEY (organization_id, hour, client_addr)
);
