-- Staff-assisted resets (issue 4, recovery): staff who confirmed a patient's identity issue a
-- one-time code; it is a password reset like an emailed link, marked with who issued it. Only
-- the keyed hash of the code is kept. A staff-issued code also unlocks a locked account.
ALTER TABLE password_resets ADD COLUMN issued_by BLOB REFERENCES staff_accounts (id);
