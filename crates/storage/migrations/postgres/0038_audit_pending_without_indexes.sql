-- SQLite drops the indexes of audit_pending here (a row deleted there is gone from the table).
-- PostgreSQL keeps them: the rows sealed since the last vacuum lie dead in the table, and a
-- query that read the queue whole would read them all.
SELECT 1;
