-- Reading a patient's results at full speed (issue 14). Three changes that keep each read of
-- the results list and the home page to rows found through an index, whatever the history's
-- length:
--
-- 1. Which results a report (a panel) lists, kept as rows by the importer, instead of parsing
--    every report's stored JSON on each read of the list. A result is listed under one
--    report: the first to name it. The result is named by its id in the source system, as the
--    report names it: it may be imported before or after the report.
CREATE TABLE report_results (
    report_id BLOB NOT NULL REFERENCES diagnostic_reports (id),
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    patient_id BLOB NOT NULL REFERENCES patients (id),
    result_source_id TEXT NOT NULL,
    place INTEGER NOT NULL,
    PRIMARY KEY (report_id, place),
    UNIQUE (result_source_id, patient_id, organization_id)
);

-- The reports imported before: their `result` references, `urn:uuid:<id>` or `Type/<id>`.
-- A stored resource that is not JSON (written by hand, not by the importer) lists nothing.
WITH listed AS (
    SELECT d.id, d.organization_id, d.patient_id, d.effective_at, e.key AS place,
           json_extract(e.value, '$.reference') AS reference
    FROM diagnostic_reports d,
         json_each(CASE
                       WHEN NOT json_valid(d.resource) THEN '{"result":[]}'
                       WHEN json_type(d.resource, '$.result') = 'array' THEN d.resource
                       ELSE '{"result":[]}'
                   END, '$.result') e
    WHERE e.type = 'object'
)
INSERT OR IGNORE INTO report_results (report_id, organization_id, patient_id, result_source_id, place)
SELECT id, organization_id, patient_id,
       CASE
           WHEN reference LIKE 'urn:uuid:%' THEN substr(reference, 10)
           WHEN instr(reference, '/') > 0 THEN substr(reference, instr(reference, '/') + 1)
           ELSE reference
       END,
       place
FROM listed
WHERE reference IS NOT NULL
ORDER BY effective_at DESC, id, place;

-- 2. The results list newest first straight from an index (the id breaks ties within a
--    moment, as the list orders them), instead of sorting all of a patient's results.
DROP INDEX observations_of_patient;
CREATE INDEX observations_of_patient ON observations (patient_id, organization_id, effective_at, id);

-- 3. How many results are new to the patient, kept on the account: the import adds what it
--    inserts, the visit to the results list clears it. Until now they were counted on every
--    read of the home page.
ALTER TABLE patient_accounts ADD COLUMN new_results INTEGER NOT NULL DEFAULT 0;
UPDATE patient_accounts SET new_results = (
    SELECT COUNT(*) FROM observations o
    WHERE o.patient_id = patient_accounts.patient_id
      AND o.organization_id = patient_accounts.organization_id
      AND o.imported_at > COALESCE(patient_accounts.results_seen_at, patient_accounts.created_at)
      AND o.category IN ('laboratory', 'vital-signs')
);
