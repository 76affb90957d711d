-- Audit rows are appended without a lock (issue 13). A use case's transaction inserts its rows
-- here, reading nothing back; one sealer at a time (across instances) moves them into
-- audit_log in its own order, numbering each without gaps and sealing it under the audit key,
-- and deletes them here in the same transaction. Readers of the log see both tables.
CREATE TABLE audit_pending (
    -- Never reused (AUTOINCREMENT): kept on the sealed row as audit_log.entry_id.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    organization_id BLOB,
    actor_kind TEXT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    patient_id BLOB,
    subject TEXT,
    client_addr TEXT,
    request_id TEXT,
    detail TEXT
);
CREATE INDEX audit_pending_by_patient ON audit_pending (patient_id, id);
CREATE INDEX audit_pending_by_actor ON audit_pending (actor_kind, actor_id, id);
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
BEGIN SELECT RAISE(ABORT, 'audit rows waiting to be sealed are never changed'); END;

-- The pending row a sealed row came from (none for rows sealed before this migration).
ALTER TABLE audit_log ADD COLUMN entry_id INTEGER;
