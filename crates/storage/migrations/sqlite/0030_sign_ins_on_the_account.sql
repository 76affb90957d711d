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
