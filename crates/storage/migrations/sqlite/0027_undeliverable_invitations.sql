-- no-transaction
-- (SQLite cannot change a CHECK in place: review_items is rebuilt, with foreign keys off while
-- its rows are copied, inside one transaction of our own, as in 0011.)
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- An invitation whose email could not be delivered (the mail server refused the address, or
-- every try failed): when, and why in words for staff (a kind of failure and an SMTP status
-- code, never the server's own reply, which may quote the address). Staff see it on the
-- patient's page and as a review item of the new kind 'undeliverable'.
ALTER TABLE invitations ADD COLUMN delivery_failed_at TEXT;
ALTER TABLE invitations ADD COLUMN delivery_error TEXT;

CREATE TABLE review_items_new (
    id BLOB PRIMARY KEY,
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB REFERENCES patients (id),
    invitation_id BLOB REFERENCES invitations (id),
    kind TEXT NOT NULL CHECK (kind IN ('mismatch', 'locked', 'self-enrollment', 'undeliverable')),
    -- JSON: per field, whether it matched (never the typed values of secrets); for
    -- 'undeliverable', why the email did not go
    detail TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT,
    closed_by BLOB REFERENCES staff_accounts (id),
    close_reason TEXT
);
INSERT INTO review_items_new (id, organization_id, patient_id, invitation_id, kind, detail,
    created_at, closed_at, closed_by, close_reason)
SELECT id, organization_id, patient_id, invitation_id, kind, detail,
    created_at, closed_at, closed_by, close_reason FROM review_items;
DROP TABLE review_items;
ALTER TABLE review_items_new RENAME TO review_items;
CREATE INDEX review_items_open ON review_items (organization_id, closed_at, created_at);

COMMIT;
PRAGMA foreign_keys = ON;
