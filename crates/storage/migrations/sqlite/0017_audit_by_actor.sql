-- Watching staff access (issue 4, security page): each staff read of a chart looks at the
-- reader's latest reads, found by actor.
CREATE INDEX audit_log_by_actor ON audit_log (actor_kind, actor_id, seq);
