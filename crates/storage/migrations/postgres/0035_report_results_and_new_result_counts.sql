-- Reading a patient's results at full speed (issue 14). Three changes that keep each read of
-- the results list and the home page to rows found through an index, whatever the history's
-- length:
--
-- 1. Which results a report (a panel) lists, kept as rows by the importer, instead of parsing
--    every report's stored JSON on each read of the list. A result is listed under one
--    report: the first to name it. The result is named by its id in the source system, as the
--    report names it: it may be imported before or after the report.
CREATE TABLE report_results (
    report_id UUID NOT NULL REFERENCES diagnostic_reports (id),
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    result_source_id TEXT NOT NULL,
    place BIGINT NOT NULL,
    PRIMARY KEY (report_id, place),
    UNIQUE (result_source_id, patient_id, organization_id)
);

-- The reports imported before: their `result` references, `urn:uuid:<id>` or `Type/<id>`.
-- A stored resource that is not JSON (written by hand, not by the importer) lists nothing.
DO $$
DECLARE
    report RECORD;
    listed JSONB;
BEGIN
    FOR report IN
        SELECT id, organization_id, patient_id, resource FROM diagnostic_reports
        ORDER BY effective_at DESC NULLS LAST, id
    LOOP
        BEGIN
            listed := report.resource::jsonb -> 'result';
        EXCEPTION WHEN others THEN
            listed := NULL;
        END;
        IF listed IS NOT NULL AND jsonb_typeof(listed) = 'array' THEN
            INSERT INTO report_results (report_id, organization_id, patient_id, result_source_id, place)
            SELECT report.id, report.organization_id, report.patient_id,
                   CASE
                       WHEN e.value ->> 'reference' LIKE 'urn:uuid:%' THEN substr(e.value ->> 'reference', 10)
                       WHEN strpos(e.value ->> 'reference', '/') > 0
                           THEN substr(e.value ->> 'reference', strpos(e.value ->> 'reference', '/') + 1)
                       ELSE e.value ->> 'reference'
                   END,
                   e.place - 1
            FROM jsonb_array_elements(listed) WITH ORDINALITY AS e (value, place)
            WHERE jsonb_typeof(e.value) = 'object' AND e.value ->> 'reference' IS NOT NULL
            ON CONFLICT DO NOTHING;
        END IF;
    END LOOP;
END $$;

-- 2. The results list newest first straight from an index (the id breaks ties within a
--    moment, as the list orders them), instead of sorting all of a patient's results.
DROP INDEX observations_of_patient;
CREATE INDEX observations_of_patient ON observations (patient_id, organization_id, effective_at DESC NULLS LAST, id DESC);

-- 3. How many results are new to the patient, kept on the account: the import adds what it
--    inserts, the visit to the results list clears it. Until now they were counted on every
--    read of the home page.
ALTER TABLE patient_accounts ADD COLUMN new_results BIGINT NOT NULL DEFAULT 0;
UPDATE patient_accounts SET new_results = (
    SELECT COUNT(*) FROM observations o
    WHERE o.patient_id = patient_accounts.patient_id
      AND o.organization_id = patient_accounts.organization_id
      AND o.imported_at > COALESCE(patient_accounts.results_seen_at, patient_accounts.created_at)
      AND o.category IN ('laboratory', 'vital-signs')
);
