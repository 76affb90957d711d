-- The audit chain is keyed (issue 12): each new row carries an HMAC-SHA256 under a key derived
-- from the server's secret key (never stored here) instead of a SHA-256 anyone could recompute.
-- Rows written before keep their SHA-256 (chain_version 0); the first keyed row covers the last
-- of them. The writer numbers each row right after the newest, under the chain's lock: a
-- sequence leaves holes where a transaction rolled back, and a hole must mean a removed row.
ALTER TABLE audit_log ADD COLUMN chain_version SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ALTER COLUMN seq DROP IDENTITY IF EXISTS;

-- Periodic upkeep that must run once across the instances sharing the database (retention,
-- publishing the audit head): the instance that moves next_run_at forward runs it. Unix
-- seconds.
CREATE TABLE periodic_tasks (
    name TEXT PRIMARY KEY,
    next_run_at BIGINT NOT NULL
);

-- Rows written before this migration are keyed once, right after it (Database::migrate, with
-- the key from the settings), after their old hashes were checked: the one update the log
-- allows turns an unkeyed row into a keyed one (renumbered without gaps), its content unchanged.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_version = 0 AND NEW.chain_version = 1
       AND (NEW.at, NEW.organization_id, NEW.actor_kind, NEW.actor_id, NEW.action,
            NEW.patient_id, NEW.subject, NEW.client_addr, NEW.request_id, NEW.detail)
           IS NOT DISTINCT FROM
           (OLD.at, OLD.organization_id, OLD.actor_kind, OLD.actor_id, OLD.action,
            OLD.patient_id, OLD.subject, OLD.client_addr, OLD.request_id, OLD.detail) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
