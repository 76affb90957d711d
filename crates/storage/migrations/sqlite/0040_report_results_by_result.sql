-- The results list finds each result's report in one step (issues 13 and 14). The links were
-- kept by report, with the result's id in a second index and the report's name in its own
-- table: four lookups per result, a fifth of the list's time. They are now kept by result
-- (the key SQLite stores the row under), with the report's name beside them.
CREATE TABLE report_results_by_result (
    patient_id BLOB NOT NULL REFERENCES patients (id),
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    result_source_id TEXT NOT NULL,
    report_id BLOB NOT NULL REFERENCES diagnostic_reports (id),
    place INTEGER NOT NULL,
    report_display TEXT,
    PRIMARY KEY (patient_id, organization_id, result_source_id),
    UNIQUE (report_id, place)
) WITHOUT ROWID;

INSERT INTO report_results_by_result
    (patient_id, organization_id, result_source_id, report_id, place, report_display)
SELECT l.patient_id, l.organization_id, l.result_source_id, l.report_id, l.place, r.display
FROM report_results l JOIN diagnostic_reports r ON r.id = l.report_id;

DROP TABLE report_results;
ALTER TABLE report_results_by_result RENAME TO report_results;
