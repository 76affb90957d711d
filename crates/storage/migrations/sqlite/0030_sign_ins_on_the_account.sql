-- The home page's "previous sign-in" (issue 13) is kept on the account, shifted at each
-- sign-in in the same transaction as its audit row, instead of being looked up in the audit
-- log (a walk over every row of the patient since that sign-in).
ALTER TABLE patient_accounts ADD COLUMN last_sign_in_at TEXT;
ALTER TABLE patient_accounts ADD COLUMN last_sign_in_addr TEXT;
ALTER TABLE patient_accounts ADD COLUMN previous_sign_in_at TEXT;
ALTER TABLE patient_accounts ADD COLUMN previous_sign_in_addr TEXT;

-- Filled once from the log: each patient's two newest sign-ins, sealed (audit_log, by seq)
-- or still waiting to be (audit_pending, by id, after every sealed row).
CREATE TEMPORARY TABLE newest_sign_ins AS
SELECT patient_id, at, client_addr, nth FROM (
    SELECT patient_id, at, client_addr,
        ROW_NUMBER() OVER (PARTITION BY patient_id ORDER BY part DESC, n DESC) AS nth
    FROM (
        SELECT patient_id, at, client_addr, 0 AS part, seq AS n FROM audit_log
        WHERE actor_kind = 'patient' AND action = 'patient.sign-in' AND patient_id IS NOT NULL
        UNION ALL
        SELECT patient_id, at, client_addr, 1 AS part, id AS n FROM audit_pending
        WHERE actor_kind = 'patient' AND action = 'patient.sign-in' AND patient_id IS NOT NULL
    ) AS sign_ins
) AS ranked
WHERE nth <= 2;

UPDATE patient_accounts SET last_sign_in_at = s.at, last_sign_in_addr = s.client_addr
FROM newest_sign_ins AS s WHERE s.patient_id = patient_accounts.patient_id AND s.nth = 1;
UPDATE patient_accounts SET previous_sign_in_at = s.at, previous_sign_in_addr = s.client_addr
FROM newest_sign_ins AS s WHERE s.patient_id = patient_accounts.patient_id AND s.nth = 2;

DROP TABLE newest_sign_ins;

-- Indexes the plans of the hot queries asked for (storage's query_plans test):
-- the staff search by MRN compares lower(mrn), which the unique (organization_id, mrn) index
-- cannot serve (with the name after it, SQLite's planner takes it over the index that spares
-- the sort by name);
CREATE INDEX patients_by_lower_mrn
    ON patients (organization_id, lower(mrn), family_name, given_names);
-- the search by birth date, in name order, read the practice's charts in name order (the
-- planner preferred the index that spares the sort); this one serves both, and its prefix
-- serves every other query of the index it replaces;
CREATE INDEX patients_by_birth_date_and_name
    ON patients (organization_id, birth_date, family_name, given_names);
DROP INDEX patients_by_birth_date;
-- the failures of one address or one password in a practice (counted at every failed
-- sign-in and at every stranger's attempt) were read among all the practice's recent failures
-- (SQLite's planner took the (organization_id, at) index): with the practice first, these
-- serve every query the indexes they replace did;
CREATE INDEX sign_in_failures_by_practice_address
    ON sign_in_failures (organization_id, client_addr, at);
CREATE INDEX sign_in_failures_by_practice_password
    ON sign_in_failures (organization_id, password_key, at);
DROP INDEX sign_in_failures_by_address;
DROP INDEX sign_in_failures_by_password;
-- a failed sign-in now and then forgets those older than a day, and an address's first
-- refused attempt of the hour the refusals older than a day: both read the whole table.
CREATE INDEX sign_in_failures_by_age ON sign_in_failures (at);
CREATE INDEX sign_in_refusals_by_hour ON sign_in_refusals (hour);
