-- The home page and new results (issue 14). The account keeps when the patient last opened
-- the results list: results imported since then are "new" (before the first visit, those
-- imported since the account was made). And which emails the patient wants: about new
-- results (shown and sent now), new messages and reminders (kept for the features to come);
-- each on unless the patient turns it off.
ALTER TABLE patient_accounts ADD COLUMN results_seen_at TEXT;
ALTER TABLE patient_accounts ADD COLUMN notify_new_results INTEGER NOT NULL DEFAULT 1;
ALTER TABLE patient_accounts ADD COLUMN notify_messages INTEGER NOT NULL DEFAULT 1;
ALTER TABLE patient_accounts ADD COLUMN notify_reminders INTEGER NOT NULL DEFAULT 1;

-- New results are counted by when they were imported, per patient and practice.
CREATE INDEX observations_of_patient_by_import ON observations (patient_id, organization_id, imported_at);
