-- `/readyz` writes here (issue 12): a server whose database takes no writes (a full disk, a
-- read-only database) cannot sign anyone in, so it is not ready. One row, rewritten by each
-- check in a committed transaction, the way every use case writes.
CREATE TABLE readiness_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
);
