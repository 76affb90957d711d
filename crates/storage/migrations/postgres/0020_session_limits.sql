-- Session limits from the practice's policy (issue 4): each session keeps the idle limit it
-- was started under, in seconds (its absolute limit is its expires_at). Sessions started
-- before this column existed keep the built-in limits.
ALTER TABLE sessions ADD COLUMN idle_seconds BIGINT;
