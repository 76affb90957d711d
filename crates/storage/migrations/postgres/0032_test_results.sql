-- Test results (issue 14): a patient's observations are read by patient and practice, newest
-- first, and those of one test (its LOINC code) for the trend; reports by the dates of a page
-- of results. The practice is in each index so that no plan prefers the practice-wide
-- (organization_id, source_id) index of the import.
CREATE INDEX observations_of_patient ON observations (patient_id, organization_id, effective_at);
CREATE INDEX observations_of_patient_by_code ON observations (patient_id, organization_id, code, effective_at);
CREATE INDEX diagnostic_reports_of_patient ON diagnostic_reports (patient_id, organization_id, effective_at);
