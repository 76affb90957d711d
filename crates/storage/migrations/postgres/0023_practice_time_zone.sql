-- The practice's time zone (issue 11): an IANA name such as America/New_York, chosen by an
-- administrator on the policy page. Every date and time a patient reads is written in it.
-- Unset: the zone of the server (UTC when it cannot be told).
ALTER TABLE organizations ADD COLUMN time_zone TEXT;
