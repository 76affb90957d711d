-- Only the watch on staff access looks rows up by who did them (a staff member's latest chart
-- reads): the index by actor keeps staff rows alone. Patients' own reads, most of the log,
-- no longer add an entry to it each.
CREATE INDEX audit_log_by_staff ON audit_log (actor_id, seq) WHERE actor_kind = 'staff';
DROP INDEX audit_log_by_actor;
