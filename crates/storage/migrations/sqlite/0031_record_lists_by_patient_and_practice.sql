-- The patient's lists (issue 14: medicines, allergies, health problems, vaccines) are read
-- by patient AND practice, newest first. With the patient alone in the index, SQLite chose
-- the practice's (organization_id, source_id) index instead and read the practice's rows.
-- These indexes lead with both, and replace the ones on the patient alone.
DROP INDEX medication_requests_by_patient;
CREATE INDEX medication_requests_by_patient ON medication_requests (patient_id, organization_id, authored_at);
DROP INDEX allergies_by_patient;
CREATE INDEX allergies_by_patient ON allergies (patient_id, organization_id, recorded_at);
DROP INDEX conditions_by_patient;
CREATE INDEX conditions_by_patient ON conditions (patient_id, organization_id, onset_at);
DROP INDEX immunizations_by_patient;
CREATE INDEX immunizations_by_patient ON immunizations (patient_id, organization_id, occurred_at);
