-- The audit chain is keyed (issue 12): each new row carries an HMAC-SHA256 under a key derived
-- from the server's secret key (never stored here) instead of a SHA-256 anyone could recompute.
-- Rows written before keep their SHA-256 (chain_version 0); the first keyed row covers the last
-- of them. The writer numbers each row right after the newest, under the chain's lock (SQLite
-- accepts the number it is given).
ALTER TABLE audit_log ADD COLUMN chain_version INTEGER NOT NULL DEFAULT 0;

-- Periodic upkeep that must run once across the instances sharing the database (retention,
-- publishing the audit head): the instance that moves next_run_at forward runs it. Unix
-- seconds.
CREATE TABLE periodic_tasks (
    name TEXT PRIMARY KEY,
    next_run_at INTEGER NOT NULL
);

-- Rows written before this migration are keyed once, right after it (Database::migrate, with
-- the key from the settings), after their old hashes were checked: the one update the log
-- allows turns an unkeyed row into a keyed one (renumbered without gaps), its content unchanged.
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (OLD.chain_version = 0 AND NEW.chain_version = 1
    AND NEW.at IS OLD.at AND NEW.organization_id IS OLD.organization_id
    AND NEW.actor_kind IS OLD.actor_kind AND NEW.actor_id IS OLD.actor_id
    AND NEW.action IS OLD.action AND NEW.patient_id IS OLD.patient_id
    AND NEW.subject IS OLD.subject AND NEW.client_addr IS OLD.client_addr
    AND NEW.request_id IS OLD.request_id AND NEW.detail IS OLD.detail)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
