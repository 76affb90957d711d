-- Bot-check challenges already answered (docs/BOT-CHECK.md): a SHA-256 fingerprint of each,
-- kept until the challenge would have expired anyway, so that a solved challenge is accepted
-- once across restarts and app instances. expires_at is in seconds since the Unix epoch.
CREATE TABLE bot_challenges (
    fingerprint TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX bot_challenges_by_expiry ON bot_challenges (expires_at);

-- Self-enrollment: a patient who signs up without an invitation gets one of channel 'self',
-- created by nobody on the staff.
ALTER TABLE invitations DROP CONSTRAINT invitations_channel_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_channel_check
    CHECK (channel IN ('email', 'printed-code', 'self'));
ALTER TABLE invitations ALTER COLUMN created_by DROP NOT NULL;

-- Review items for self-enrollments that did not go through.
ALTER TABLE review_items DROP CONSTRAINT review_items_kind_check;
ALTER TABLE review_items ADD CONSTRAINT review_items_kind_check
    CHECK (kind IN ('mismatch', 'locked', 'self-enrollment'));
