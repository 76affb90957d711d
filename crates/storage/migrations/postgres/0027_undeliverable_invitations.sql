-- An invitation whose email could not be delivered (the mail server refused the address, or
-- every try failed): when, and why in words for staff (a kind of failure and an SMTP status
-- code, never the server's own reply, which may quote the address). Staff see it on the
-- patient's page and as a review item of the new kind 'undeliverable'.
ALTER TABLE invitations ADD COLUMN delivery_failed_at TIMESTAMPTZ;
ALTER TABLE invitations ADD COLUMN delivery_error TEXT;

ALTER TABLE review_items DROP CONSTRAINT review_items_kind_check;
ALTER TABLE review_items ADD CONSTRAINT review_items_kind_check
    CHECK (kind IN ('mismatch', 'locked', 'self-enrollment', 'undeliverable'));
