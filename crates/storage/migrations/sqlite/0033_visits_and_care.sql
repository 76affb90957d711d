-- Visits, procedures, care plans and goals (issue 14): each read by patient and practice,
-- newest (or soonest) first; the practice is in each index so that no plan prefers the
-- practice-wide (organization_id, source_id) index of the import. What was recorded at one
-- visit is read by the patient and the visit's encounter.
CREATE INDEX encounters_of_patient ON encounters (patient_id, organization_id, start_at);
CREATE INDEX appointments_of_patient ON appointments (patient_id, organization_id, start_at);
CREATE INDEX procedures_of_patient ON procedures (patient_id, organization_id, start_at);
CREATE INDEX care_plans_of_patient ON care_plans (patient_id, organization_id, start_at);
CREATE INDEX goals_of_patient ON goals (patient_id, organization_id);
CREATE INDEX observations_of_visit ON observations (patient_id, encounter_id);
CREATE INDEX conditions_of_visit ON conditions (patient_id, encounter_id);
CREATE INDEX medication_requests_of_visit ON medication_requests (patient_id, encounter_id);
CREATE INDEX immunizations_of_visit ON immunizations (patient_id, encounter_id);
CREATE INDEX procedures_of_visit ON procedures (patient_id, encounter_id);
