-- The results list finds each result's report in one step (issues 13 and 14). The links kept
-- the report's name in its own table, and the list asked for 50 results by as many
-- parameters: each page was planned anew and joined the patient's reports, most of the
-- database's time in the list. The report's name is kept beside each link, and the index by
-- result holds everything the list reads (an index-only scan).
ALTER TABLE report_results ADD COLUMN report_display TEXT;

UPDATE report_results l SET report_display = r.display
FROM diagnostic_reports r
WHERE r.id = l.report_id;

ALTER TABLE report_results
    DROP CONSTRAINT report_results_result_source_id_patient_id_organization_id_key;
ALTER TABLE report_results
    ADD CONSTRAINT report_results_by_result
    UNIQUE (patient_id, organization_id, result_source_id) INCLUDE (report_id, place, report_display);
